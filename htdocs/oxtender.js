/*
 * oxtender.js — the little the pages do with JavaScript. Everything works
 * without it: this file only makes four things quicker.
 *
 *  - Select all: the header checkbox of a column (hidden until this file
 *    shows it) ticks or clears every enabled box of its column.
 *  - Hide/Show Search: toggles the search form in place and remembers the
 *    choice in the cookie named by data-oxt-cookie (without JavaScript
 *    the link goes to the page with search=hide or search=show).
 *  - Dialogs: a link with data-oxt-dialog fetches its page and shows the
 *    part marked data-oxt-dialog-content in a <dialog>: focus moves into
 *    it, Esc or Cancel closes it and focus goes back to the link. The form
 *    inside posts as it would on its own page.
 *  - A POST answered by a dialog: Apply Your Changes of the Mailboxes
 *    list with mailboxes ticked for Change Service posts in the
 *    background and shows the Change Service dialog it answers with in
 *    the same <dialog> (without JavaScript that answer is a page).
 *  - Settings: the Default OX language offers only the OX languages
 *    chosen above (and Plesk language), as they are chosen (without
 *    JavaScript it offers every language and the server refuses one not
 *    chosen). The one selected stays offered, so a save says why it is
 *    refused instead of dropping it.
 *
 * Loaded with defer from the static files location; no inline handlers
 * (the pages run under Content-Security-Policy default-src 'self').
 */
(function () {
    "use strict";

    /* ---- select all ------------------------------------------------- */

    function columnBoxes(all) {
        var table = all.closest("table");
        var key = all.getAttribute("data-oxt-all");
        var boxes = table ? table.querySelectorAll(
            "tbody input[type=checkbox][data-oxt-col]") : [];
        return Array.prototype.filter.call(boxes, function (box) {
            return box.getAttribute("data-oxt-col") === key && !box.disabled;
        });
    }

    function syncAll(all) {
        var boxes = columnBoxes(all);
        var on = boxes.filter(function (b) { return b.checked; }).length;
        all.checked = boxes.length > 0 && on === boxes.length;
        all.indeterminate = on > 0 && on < boxes.length;
    }

    function setupSelectAll() {
        document.querySelectorAll("input[data-oxt-all]").forEach(function (all) {
            var label = all.closest("label");
            if (label) {
                label.hidden = false;
            }
            syncAll(all);
            all.addEventListener("change", function () {
                columnBoxes(all).forEach(function (box) {
                    box.checked = all.checked;
                });
                all.indeterminate = false;
            });
            columnBoxes(all).forEach(function (box) {
                box.addEventListener("change", function () { syncAll(all); });
            });
        });
    }

    /* ---- Hide/Show Search ------------------------------------------- */

    function setupToggles() {
        document.querySelectorAll("a[data-oxt-toggle]").forEach(function (link) {
            link.addEventListener("click", function (ev) {
                var target = document.getElementById(
                    link.getAttribute("data-oxt-toggle"));
                var cookie = link.getAttribute("data-oxt-cookie");
                var hide;
                if (!target) {
                    return;
                }
                ev.preventDefault();
                hide = !target.hidden;
                target.hidden = hide;
                link.setAttribute("aria-expanded", hide ? "false" : "true");
                link.textContent = link.getAttribute(
                    hide ? "data-oxt-show" : "data-oxt-hide");
                if (cookie && /^[a-z0-9_]+$/.test(cookie)) {
                    document.cookie = cookie + "=" + (hide ? "hidden" : "shown")
                        + "; max-age=31536000; path=/; SameSite=Strict";
                }
                if (!hide) {
                    var input = target.querySelector("input[type=search]");
                    if (input) {
                        input.focus();
                    }
                }
            });
        });
    }

    /* ---- dialogs ---------------------------------------------------- */

    var FOCUSABLE = "input:not([type=hidden]):not([disabled]), select, "
        + "textarea, button, a[href]";

    function closeDialog(dialog) {
        if (dialog.open) {
            dialog.close();
        }
    }

    function buildDialog(content, opener) {
        var dialog = document.createElement("dialog");
        var close = document.createElement("button");
        dialog.className = "oxt-dialog";
        if (content.getAttribute("aria-labelledby")) {
            dialog.setAttribute("aria-labelledby",
                                content.getAttribute("aria-labelledby"));
        }
        close.type = "button";
        close.className = "oxt-dialog-close";
        close.setAttribute("aria-label", "Close");
        close.textContent = "\u00d7";
        close.addEventListener("click", function () { closeDialog(dialog); });
        dialog.appendChild(close);
        dialog.appendChild(document.importNode(content, true));
        dialog.querySelectorAll("[data-oxt-close]").forEach(function (el) {
            el.addEventListener("click", function (ev) {
                ev.preventDefault();
                closeDialog(dialog);
            });
        });
        dialog.addEventListener("close", function () {
            dialog.remove();
            opener.focus();
        });
        return dialog;
    }

    function showDialog(content, opener) {
        var dialog = buildDialog(content, opener);
        var page, first;
        document.body.appendChild(dialog);
        dialog.showModal();
        /* The first field of the form, not the close button. */
        page = dialog.querySelector("[data-oxt-dialog-content]");
        first = page ? page.querySelector(FOCUSABLE) : null;
        if (first) {
            first.focus();
        }
    }

    function openDialog(link) {
        var url = link.href;
        if (document.querySelector("dialog.oxt-dialog")) {
            return;
        }
        fetch(url, { credentials: "same-origin",
                     headers: { "Accept": "text/html" } })
            .then(function (resp) {
                if (!resp.ok) {
                    throw new Error("HTTP " + resp.status);
                }
                return resp.text();
            })
            .then(function (text) {
                /* A parsed document runs no script and loads nothing. */
                var doc = new DOMParser().parseFromString(text, "text/html");
                var content = doc.querySelector("[data-oxt-dialog-content]");
                if (!content) {
                    throw new Error("no dialog in " + url);
                }
                showDialog(content, link);
            })
            .catch(function () {
                window.location.assign(url);    /* the plain page */
            });
    }

    function setupDialogs() {
        if (typeof HTMLDialogElement !== "function") {
            return;                             /* links stay links */
        }
        document.querySelectorAll("a[data-oxt-dialog]").forEach(function (link) {
            link.addEventListener("click", function (ev) {
                if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey) {
                    return;                     /* a new tab: the page */
                }
                ev.preventDefault();
                openDialog(link);
            });
        });
    }

    /* ---- a POST that answers with a dialog (Change Service) ---------- */

    /* The list's form posted in the background; the dialog page it
     * answers with is shown in place. Anything else: the plain post. */
    function postDialog(form, opener) {
        fetch(form.action, { method: "POST", credentials: "same-origin",
                             body: new URLSearchParams(new FormData(form)),
                             headers: { "Accept": "text/html" } })
            .then(function (resp) {
                if (!resp.ok || resp.redirected) {
                    throw new Error("HTTP " + resp.status);
                }
                return resp.text();
            })
            .then(function (text) {
                var doc = new DOMParser().parseFromString(text, "text/html");
                var content = doc.querySelector("[data-oxt-dialog-content]");
                if (!content) {
                    throw new Error("no dialog");
                }
                showDialog(content, opener);
            })
            .catch(function () {
                form.submit();
            });
    }

    function setupPostDialogs() {
        if (typeof HTMLDialogElement !== "function") {
            return;                             /* the plain post */
        }
        document.querySelectorAll("form").forEach(function (form) {
            if (!form.querySelector("input[type=checkbox][name=change]")) {
                return;
            }
            form.addEventListener("submit", function (ev) {
                var ticked = form.querySelector("input[name=change]:checked");
                if (!ticked || document.querySelector("dialog.oxt-dialog")) {
                    return;
                }
                ev.preventDefault();
                postDialog(form, ev.submitter || ticked);
            });
        });
    }

    /* ---- one select narrowed by a multi-select (Settings) ---------- */

    /* [the select, the multi-select whose chosen values it may offer] */
    var NARROWED = [["f-default_language", "f-ox_languages"]];

    function narrow(select, among) {
        var offered = {};
        var chosen = {};
        Array.prototype.forEach.call(among.options, function (o) {
            offered[o.value] = true;
            chosen[o.value] = o.selected;
        });
        Array.prototype.forEach.call(select.options, function (o) {
            /* A value the multi-select does not have (Plesk language)
             * is always offered; so is the one selected. */
            var keep = !offered[o.value] || chosen[o.value] || o.selected;
            o.hidden = !keep;
            o.disabled = !keep;
        });
    }

    function setupNarrowed() {
        NARROWED.forEach(function (pair) {
            var select = document.getElementById(pair[0]);
            var among = document.getElementById(pair[1]);
            if (!select || !among || !among.multiple) {
                return;
            }
            narrow(select, among);
            among.addEventListener("change", function () {
                narrow(select, among);
            });
            select.addEventListener("change", function () {
                narrow(select, among);
            });
        });
    }

    function setup() {
        setupSelectAll();
        setupToggles();
        setupDialogs();
        setupPostDialogs();
        setupNarrowed();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setup);
    }
    else {
        setup();
    }
}());
