/*
 * oxsim_store.c — contexts and users in memory, with the indexes OX keeps
 * in its database: context by id, name and login mapping (server-wide),
 * user by id, name, display name and mail address (per context).
 *
 * Uniqueness in OX is decided by MySQL with a case-insensitive collation,
 * so name, mapping, display-name and mail keys are lower-cased.
 * Everything here runs under the store lock (oxsim_store_lock).
 */
#include "oxsim.h"

#include <pthread.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- User fields, in the schema's order (docs/reference/ox-soap.md §5.3) */

#define S OXSIM_T_STR
const oxsim_field_def_t oxsim_user_fields[] = {
    { "aliases", OXSIM_T_LIST }, { "anniversary", OXSIM_T_DATE },
    { "assistant_name", S }, { "birthday", OXSIM_T_DATE }, { "branches", S },
    { "business_category", S }, { "categories", S },
    { "cellular_telephone1", S }, { "cellular_telephone2", S },
    { "city_business", S }, { "city_home", S }, { "city_other", S },
    { "commercial_register", S }, { "company", S },
    { "contextadmin", OXSIM_T_BOOL }, { "country_business", S },
    { "country_home", S }, { "country_other", S },
    { "drive_user_folder_mode", S }, { "defaultSenderAddress", S },
    { "default_group", OXSIM_T_CPLX }, { "department", S },
    { "display_name", S }, { "email1", S }, { "email2", S }, { "email3", S },
    { "employeeType", S }, { "fax_business", S }, { "fax_home", S },
    { "fax_other", S }, { "filestoreId", OXSIM_T_INT },
    { "filestore_name", S }, { "folderTree", OXSIM_T_INT },
    { "given_name", S }, { "guiPreferencesForSoap", OXSIM_T_CPLX },
    { "gui_spam_filter_enabled", OXSIM_T_BOOL }, { "id", OXSIM_T_INT },
    { "imapLogin", S }, { "imapPort", OXSIM_T_INT }, { "imapSchema", S },
    { "imapServer", S }, { "imapServerString", S }, { "info", S },
    { "instant_messenger1", S }, { "instant_messenger2", S },
    { "language", S }, { "mail_folder_confirmed_ham_name", S },
    { "mail_folder_confirmed_spam_name", S }, { "mail_folder_drafts_name", S },
    { "mail_folder_sent_name", S }, { "mail_folder_spam_name", S },
    { "mail_folder_trash_name", S }, { "mail_folder_archive_full_name", S },
    { "mailenabled", OXSIM_T_BOOL }, { "manager_name", S },
    { "marital_status", S }, { "maxQuota", OXSIM_T_LONG },
    { "middle_name", S }, { "name", S }, { "nickname", S }, { "note", S },
    { "number_of_children", S }, { "number_of_employee", S },
    { "password", S }, { "passwordMech", S },
    { "password_expired", OXSIM_T_BOOL }, { "position", S },
    { "postal_code_business", S }, { "postal_code_home", S },
    { "postal_code_other", S }, { "primaryEmail", S }, { "profession", S },
    { "room_number", S }, { "sales_volume", S }, { "smtpPort", OXSIM_T_INT },
    { "smtpSchema", S }, { "smtpServer", S }, { "smtpServerString", S },
    { "spouse_name", S }, { "state_business", S }, { "state_home", S },
    { "state_other", S }, { "street_business", S }, { "street_home", S },
    { "street_other", S }, { "suffix", S }, { "sur_name", S },
    { "tax_id", S }, { "telephone_assistant", S },
    { "telephone_business1", S }, { "telephone_business2", S },
    { "telephone_callback", S }, { "telephone_car", S },
    { "telephone_company", S }, { "telephone_home1", S },
    { "telephone_home2", S }, { "telephone_ip", S }, { "telephone_isdn", S },
    { "telephone_other", S }, { "telephone_pager", S },
    { "telephone_primary", S }, { "telephone_radio", S },
    { "telephone_telex", S }, { "telephone_ttytdd", S }, { "timezone", S },
    { "title", S }, { "uploadFileSizeLimit", OXSIM_T_INT },
    { "uploadFileSizeLimitPerFile", OXSIM_T_INT }, { "url", S },
    { "usedQuota", OXSIM_T_LONG }, { "userAttributes", OXSIM_T_CPLX },
    { "userfield01", S }, { "userfield02", S }, { "userfield03", S },
    { "userfield04", S }, { "userfield05", S }, { "userfield06", S },
    { "userfield07", S }, { "userfield08", S }, { "userfield09", S },
    { "userfield10", S }, { "userfield11", S }, { "userfield12", S },
    { "userfield13", S }, { "userfield14", S }, { "userfield15", S },
    { "userfield16", S }, { "userfield17", S }, { "userfield18", S },
    { "userfield19", S }, { "userfield20", S }, { "primaryAccountName", S },
    { "convert_drive_user_folders", OXSIM_T_BOOL }
};
#undef S
const int oxsim_user_nfields =
    (int)(sizeof(oxsim_user_fields) / sizeof(oxsim_user_fields[0]));

/* ---- module access (docs/reference/ox-soap.md §5.4, §7) ------------------ */

const char *const oxsim_access_names[OXSIM_ACCESS_N] = {
    "OLOX20", "USM", "activeSync", "calendar", "collectEmailAddresses",
    "contacts", "delegateTask", "deniedPortal", "editGroup", "editPassword",
    "editPublicFolders", "editResource", "globalAddressBookDisabled", "ical",
    "infostore", "multipleMailAccounts", "publicFolderEditable",
    "publication", "readCreateSharedFolders", "subscription", "syncml",
    "tasks", "vcard", "webdav", "webdavXml", "webmail"
};

/* ModuleAccessDefinitions.properties verbatim; current sets first so a
 * name look-up by rights prefers them over the deprecated ones. */
static const struct {
    const char *name;
    const char *rights;
} oxsim_combos[] = {
    { "groupware", "calendar,contacts,delegatetask,editpublicfolders,ical,"
      "infostore,publicfoldereditable,readcreatesharedfolders,tasks,vcard,"
      "webdav,webdavxml,webmail,editresource,editgroup,editpassword,"
      "collectemailaddresses,multiplemailaccounts,subscription,publication" },
    { "webmail", "webmail,contacts,globaladdressbookdisabled,"
      "collectemailaddresses,editpassword" },
    { "pim", "webmail,calendar,contacts,tasks,globaladdressbookdisabled,"
      "collectemailaddresses,multiplemailaccounts,subscription,publication,"
      "editpassword" },
    { "pim_infostore", "webmail,calendar,contacts,tasks,infostore,webdav,"
      "globaladdressbookdisabled,collectemailaddresses,multiplemailaccounts,"
      "subscription,publication,editpassword" },
    { "pim_mobility", "webmail,calendar,contacts,tasks,syncml,usm,activesync,"
      "globaladdressbookdisabled,collectemailaddresses,multiplemailaccounts,"
      "subscription,publication,editpassword" },
    { "groupware_standard", "webmail,calendar,contacts,infostore,tasks,webdav,"
      "ical,vcard,readcreatesharedfolders,delegatetask,editpublicfolders,"
      "editgroup,editresource,editpassword,collectemailaddresses,"
      "multiplemailaccounts,subscription,publication" },
    { "groupware_premium", "webmail,calendar,contacts,infostore,tasks,webdav,"
      "webdavxml,ical,vcard,syncml,usm,olox20,activesync,"
      "readcreatesharedfolders,delegatetask,editpublicfolders,editgroup,"
      "editresource,editpassword,collectemailaddresses,multiplemailaccounts,"
      "subscription,publication" },
    { "drive", "globaladdressbookdisabled,infostore,deniedportal,publication" },
    { "all", "webmail,calendar,contacts,infostore,tasks,webdav,webdavxml,ical,"
      "vcard,syncml,usm,olox20,activesync,readcreatesharedfolders,"
      "delegatetask,editpublicfolders,editgroup,editresource,editpassword,"
      "publicfoldereditable,collectemailaddresses,multiplemailaccounts,"
      "subscription,publication" },
    { "webmail_plus", "contacts,webmail" },
    { "pim_plus", "contacts,webmail,calendar,tasks" },
    { "groupware_plus", "contacts,webmail,calendar,delegatetask,tasks,"
      "editpublicfolders,infostore,publicfoldereditable,"
      "readcreatesharedfolders" },
    { "premium", "contacts,webmail,calendar,delegatetask,tasks,"
      "editpublicfolders,infostore,publicfoldereditable,"
      "readcreatesharedfolders,ical,vcard,webdav,webdavxml" },
    { NULL, NULL }
};

int oxsim_access_index(const char *name)
{
    int i;

    for (i = 0; i < OXSIM_ACCESS_N; i++) {
        if (!strcasecmp(oxsim_access_names[i], name)) {
            return i;
        }
    }
    return -1;
}

static uint32_t oxsim_rights_mask(const char *rights)
{
    char word[64];
    uint32_t mask = 0;
    size_t n;
    int i;

    while (*rights) {
        n = strcspn(rights, ",");
        snprintf(word, sizeof(word), "%.*s", (int)n, rights);
        i = oxsim_access_index(word);
        if (i >= 0) {
            mask |= 1u << i;
        }
        rights += n + (rights[n] == ',');
    }
    return mask;
}

int oxsim_access_lookup(const char *name, uint32_t *pmask)
{
    int i;

    for (i = 0; oxsim_combos[i].name; i++) {
        if (!strcmp(oxsim_combos[i].name, name)) {
            *pmask = oxsim_rights_mask(oxsim_combos[i].rights);
            return 0;
        }
    }
    return -1;
}

/* publicfoldereditable only applies to the context admin
 * (docs/reference/ox-soap.md §7), so a normal user matches a set with that
 * right removed. */
const char *oxsim_access_name_of(uint32_t mask, int is_admin)
{
    int i;

    for (i = 0; oxsim_combos[i].name; i++) {
        uint32_t m = oxsim_rights_mask(oxsim_combos[i].rights);
        if (!is_admin) {
            m &= ~OXSIM_ACCESS_PFE;
        }
        if (m == mask) {
            return oxsim_combos[i].name;
        }
    }
    return NULL;
}

/* ---- the store ----------------------------------------------------- */

static pthread_mutex_t oxsim_store_mutex = PTHREAD_MUTEX_INITIALIZER;
static oxsim_map_t *oxsim_ctx_ids, *oxsim_ctx_names, *oxsim_ctx_maps;
static oxsim_map_t *oxsim_uids, *oxsim_unames, *oxsim_udisplay, *oxsim_umails;
static oxsim_map_t *oxsim_fieldidx;
static oxsim_ctx_t *oxsim_ctx_head, *oxsim_ctx_tail;
static int oxsim_ctx_maxid;
static size_t oxsim_nusers;
/* Salt of the password digests in the state (see oxsim_user_json). */
static char oxsim_pw_salt[33];
/* The change log (oxsim_store_log_change), when one was asked for. */
static FILE *oxsim_change_log;

void oxsim_store_lock(void)
{
    pthread_mutex_lock(&oxsim_store_mutex);
}

void oxsim_store_unlock(void)
{
    pthread_mutex_unlock(&oxsim_store_mutex);
}

static char *oxsim_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *r = malloc(n);

    if (r == NULL) {
        abort();
    }
    memcpy(r, s, n);
    return r;
}

/* Index keys: "<cid>\x1f<lower-cased value>"; cid 0 for server-wide. */
static const char *oxsim_key(char *buf, size_t len, int cid, const char *v)
{
    size_t i;
    int n = snprintf(buf, len, "%d\x1f%s", cid, v);

    for (i = 0; n > 0 && i < len && buf[i]; i++) {
        if (buf[i] >= 'A' && buf[i] <= 'Z') {
            buf[i] = (char)(buf[i] + 32);
        }
    }
    return buf;
}

static void oxsim_salt_init(void)
{
    unsigned char raw[16];
    int i;

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        abort();
    }
    for (i = 0; i < (int)sizeof(raw); i++) {
        snprintf(oxsim_pw_salt + 2 * i, 3, "%02x", raw[i]);
    }
}

void oxsim_store_init(void)
{
    int i;

    oxsim_ctx_ids = oxsim_map_new();
    oxsim_ctx_names = oxsim_map_new();
    oxsim_ctx_maps = oxsim_map_new();
    oxsim_uids = oxsim_map_new();
    oxsim_unames = oxsim_map_new();
    oxsim_udisplay = oxsim_map_new();
    oxsim_umails = oxsim_map_new();
    oxsim_fieldidx = oxsim_map_new();
    oxsim_salt_init();
    for (i = 0; i < oxsim_user_nfields; i++) {
        oxsim_map_put(oxsim_fieldidx, oxsim_user_fields[i].name,
                      (void *)(intptr_t)(i + 1));
    }
}

void oxsim_store_cleanup(void)
{
    oxsim_store_lock();
    oxsim_store_reset();
    oxsim_map_free(oxsim_ctx_ids);
    oxsim_map_free(oxsim_ctx_names);
    oxsim_map_free(oxsim_ctx_maps);
    oxsim_map_free(oxsim_uids);
    oxsim_map_free(oxsim_unames);
    oxsim_map_free(oxsim_udisplay);
    oxsim_map_free(oxsim_umails);
    oxsim_map_free(oxsim_fieldidx);
    if (oxsim_change_log != NULL) {
        fclose(oxsim_change_log);
        oxsim_change_log = NULL;
    }
    oxsim_store_unlock();
}

void oxsim_store_reset(void)
{
    while (oxsim_ctx_head != NULL) {
        oxsim_ctx_remove(oxsim_ctx_head);
    }
    oxsim_ctx_maxid = 0;
}

size_t oxsim_store_nusers(void)
{
    return oxsim_nusers;
}

int oxsim_user_field(const char *name)
{
    return (int)(intptr_t)oxsim_map_get(oxsim_fieldidx, name) - 1;
}

/* ---- contexts ------------------------------------------------------- */

oxsim_ctx_t *oxsim_ctx_by_id(int id)
{
    char k[32];

    snprintf(k, sizeof(k), "%d", id);
    return oxsim_map_get(oxsim_ctx_ids, k);
}

oxsim_ctx_t *oxsim_ctx_by_name(const char *name)
{
    char k[1024];

    return oxsim_map_get(oxsim_ctx_names, oxsim_key(k, sizeof(k), 0, name));
}

oxsim_ctx_t *oxsim_ctx_by_mapping(const char *m)
{
    char k[1024];

    return oxsim_map_get(oxsim_ctx_maps, oxsim_key(k, sizeof(k), 0, m));
}

oxsim_ctx_t *oxsim_ctx_first(void)
{
    return oxsim_ctx_head;
}

int oxsim_ctx_next_id(void)
{
    int id = oxsim_ctx_maxid + 1;

    while (oxsim_ctx_by_id(id) != NULL) {
        id++;
    }
    return id;
}

oxsim_ctx_t *oxsim_ctx_add(int id, const char *name, long long quota_mb)
{
    oxsim_ctx_t *c = calloc(1, sizeof(*c));
    char k[1024];

    if (c == NULL) {
        abort();
    }
    c->id = id;
    c->name = oxsim_strdup(name);
    c->max_quota_mb = quota_mb;
    c->enabled = 1;
    c->next_uid = 2;   /* OX gives the context admin id 2 */
    c->prev = oxsim_ctx_tail;
    if (oxsim_ctx_tail) {
        oxsim_ctx_tail->next = c;
    } else {
        oxsim_ctx_head = c;
    }
    oxsim_ctx_tail = c;
    snprintf(k, sizeof(k), "%d", id);
    oxsim_map_put(oxsim_ctx_ids, k, c);
    oxsim_map_put(oxsim_ctx_names, oxsim_key(k, sizeof(k), 0, name), c);
    if (id > oxsim_ctx_maxid) {
        oxsim_ctx_maxid = id;
    }
    return c;
}

static void oxsim_ctx_drop_mappings(oxsim_ctx_t *c)
{
    char k[1024];
    int i;

    for (i = 0; i < c->nmappings; i++) {
        oxsim_key(k, sizeof(k), 0, c->mappings[i]);
        if (oxsim_map_get(oxsim_ctx_maps, k) == c) {
            oxsim_map_del(oxsim_ctx_maps, k);
        }
        free(c->mappings[i]);
    }
    free(c->mappings);
    c->mappings = NULL;
    c->nmappings = 0;
}

void oxsim_ctx_remove(oxsim_ctx_t *c)
{
    char k[1024];

    while (c->users != NULL) {
        oxsim_user_remove(c->users);
    }
    oxsim_ctx_drop_mappings(c);
    snprintf(k, sizeof(k), "%d", c->id);
    oxsim_map_del(oxsim_ctx_ids, k);
    oxsim_map_del(oxsim_ctx_names, oxsim_key(k, sizeof(k), 0, c->name));
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        oxsim_ctx_head = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    } else {
        oxsim_ctx_tail = c->prev;
    }
    free(c->name);
    free(c->owner);
    free(c);
}

int oxsim_ctx_rename(oxsim_ctx_t *c, const char *name)
{
    char k[1024];

    oxsim_map_del(oxsim_ctx_names, oxsim_key(k, sizeof(k), 0, c->name));
    free(c->name);
    c->name = oxsim_strdup(name);
    oxsim_map_put(oxsim_ctx_names, oxsim_key(k, sizeof(k), 0, name), c);
    return 0;
}

void oxsim_ctx_set_mappings(oxsim_ctx_t *c, char **maps, int n)
{
    char k[1024];
    char **copy = calloc((size_t)n + 1, sizeof(char *));
    int i;

    if (copy == NULL) {
        abort();
    }
    /* copy first: maps may point into the set being replaced */
    for (i = 0; i < n; i++) {
        copy[i] = oxsim_strdup(maps[i]);
    }
    oxsim_ctx_drop_mappings(c);
    c->mappings = copy;
    for (i = 0; i < n; i++) {
        oxsim_map_put(oxsim_ctx_maps, oxsim_key(k, sizeof(k), 0, copy[i]), c);
    }
    c->nmappings = n;
}

/* ---- users ---------------------------------------------------------- */

oxsim_user_t *oxsim_user_by_id(oxsim_ctx_t *c, int id)
{
    char k[48];

    snprintf(k, sizeof(k), "%d/%d", c->id, id);
    return oxsim_map_get(oxsim_uids, k);
}

oxsim_user_t *oxsim_user_by_name(oxsim_ctx_t *c, const char *name)
{
    char k[1024];

    return oxsim_map_get(oxsim_unames, oxsim_key(k, sizeof(k), c->id, name));
}

oxsim_user_t *oxsim_user_by_display(oxsim_ctx_t *c, const char *dn)
{
    char k[1024];

    return oxsim_map_get(oxsim_udisplay, oxsim_key(k, sizeof(k), c->id, dn));
}

oxsim_user_t *oxsim_user_by_mail(oxsim_ctx_t *c, const char *addr)
{
    char k[1024];

    return oxsim_map_get(oxsim_umails, oxsim_key(k, sizeof(k), c->id, addr));
}

/* Adds (add=1) or removes the name, display-name and mail keys of u. */
static void oxsim_user_index(oxsim_user_t *u, int add)
{
    const char *name = oxsim_user_getn(u, "name");
    const char *dn = oxsim_user_getn(u, "display_name");
    const char *pm = oxsim_user_getn(u, "primaryEmail");
    char k[1024];
    int i, cid = u->ctx->id;

    if (name != NULL) {
        oxsim_key(k, sizeof(k), cid, name);
        add ? oxsim_map_put(oxsim_unames, k, u) : (void)oxsim_map_del(oxsim_unames, k);
    }
    /* display names are unique among normal users only
     * (docs/reference/ox-soap.md §5.3) */
    if (dn != NULL && !u->is_admin) {
        oxsim_key(k, sizeof(k), cid, dn);
        add ? oxsim_map_put(oxsim_udisplay, k, u) : (void)oxsim_map_del(oxsim_udisplay, k);
    }
    for (i = -1; i < u->naliases; i++) {
        const char *a = i < 0 ? pm : u->aliases[i];
        if (a == NULL) {
            continue;
        }
        oxsim_key(k, sizeof(k), cid, a);
        if (add) {
            oxsim_map_put(oxsim_umails, k, u);
        } else if (oxsim_map_get(oxsim_umails, k) == u) {
            oxsim_map_del(oxsim_umails, k);
        }
    }
}

oxsim_user_t *oxsim_user_add(oxsim_ctx_t *c)
{
    oxsim_user_t *u = calloc(1, sizeof(*u));
    char k[48];

    if (u == NULL) {
        abort();
    }
    u->id = c->next_uid++;
    u->ctx = c;
    u->prev = c->users_tail;
    if (c->users_tail) {
        c->users_tail->next = u;
    } else {
        c->users = u;
    }
    c->users_tail = u;
    c->nusers++;
    oxsim_nusers++;
    snprintf(k, sizeof(k), "%d/%d", c->id, u->id);
    oxsim_map_put(oxsim_uids, k, u);
    return u;
}

void oxsim_user_remove(oxsim_user_t *u)
{
    oxsim_ctx_t *c = u->ctx;
    char k[48];
    int i;

    oxsim_user_index(u, 0);
    snprintf(k, sizeof(k), "%d/%d", c->id, u->id);
    oxsim_map_del(oxsim_uids, k);
    if (u->prev) {
        u->prev->next = u->next;
    } else {
        c->users = u->next;
    }
    if (u->next) {
        u->next->prev = u->prev;
    } else {
        c->users_tail = u->prev;
    }
    c->nusers--;
    oxsim_nusers--;
    for (i = 0; i < u->nkv; i++) {
        free(u->kv[i].val);
    }
    for (i = 0; i < u->naliases; i++) {
        free(u->aliases[i]);
    }
    free(u->kv);
    free(u->aliases);
    free(u);
}

static int oxsim_kv_find(const oxsim_user_t *u, int idx)
{
    int lo = 0, hi = u->nkv - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (u->kv[mid].idx == idx) {
            return mid;
        }
        if (u->kv[mid].idx < idx) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -(lo + 1);
}

const char *oxsim_user_get(const oxsim_user_t *u, int idx)
{
    int pos = oxsim_kv_find(u, idx);

    return pos >= 0 ? u->kv[pos].val : NULL;
}

const char *oxsim_user_getn(const oxsim_user_t *u, const char *name)
{
    int idx = oxsim_user_field(name);

    return idx < 0 ? NULL : oxsim_user_get(u, idx);
}

static int oxsim_is_indexed(int idx)
{
    const char *n = oxsim_user_fields[idx].name;

    return !strcmp(n, "name") || !strcmp(n, "display_name")
           || !strcmp(n, "primaryEmail");
}

static void oxsim_kv_store(oxsim_user_t *u, int idx, const char *val)
{
    int pos = oxsim_kv_find(u, idx);
    oxsim_kv_t *kv;

    if (pos >= 0) {
        free(u->kv[pos].val);
        if (val != NULL) {
            u->kv[pos].val = oxsim_strdup(val);
            return;
        }
        memmove(&u->kv[pos], &u->kv[pos + 1],
                (size_t)(u->nkv - pos - 1) * sizeof(oxsim_kv_t));
        u->nkv--;
        return;
    }
    if (val == NULL) {
        return;
    }
    pos = -pos - 1;
    kv = realloc(u->kv, (size_t)(u->nkv + 1) * sizeof(oxsim_kv_t));
    if (kv == NULL) {
        abort();
    }
    u->kv = kv;
    memmove(&kv[pos + 1], &kv[pos], (size_t)(u->nkv - pos) * sizeof(*kv));
    kv[pos].idx = (uint16_t)idx;
    kv[pos].val = oxsim_strdup(val);
    u->nkv++;
}

void oxsim_user_set(oxsim_user_t *u, int idx, const char *val)
{
    int indexed = oxsim_is_indexed(idx);

    if (indexed) {
        oxsim_user_index(u, 0);
    }
    oxsim_kv_store(u, idx, val);
    if (indexed) {
        oxsim_user_index(u, 1);
    }
}

void oxsim_user_setn(oxsim_user_t *u, const char *name, const char *val)
{
    int idx = oxsim_user_field(name);

    if (idx >= 0) {
        oxsim_user_set(u, idx, val);
    }
}

void oxsim_user_set_aliases(oxsim_user_t *u, char **al, int n)
{
    int i;

    oxsim_user_index(u, 0);
    for (i = 0; i < u->naliases; i++) {
        free(u->aliases[i]);
    }
    free(u->aliases);
    u->aliases = calloc((size_t)n + 1, sizeof(char *));
    if (u->aliases == NULL) {
        abort();
    }
    for (i = 0; i < n; i++) {
        u->aliases[i] = oxsim_strdup(al[i]);
    }
    u->naliases = n;
    oxsim_user_index(u, 1);
}

/* ---- JSON state ----------------------------------------------------- */

static void oxsim_access_json(oxsim_buf_t *b, uint32_t mask)
{
    int i, first = 1;

    oxsim_buf_puts(b, "[");
    for (i = 0; i < OXSIM_ACCESS_N; i++) {
        if (mask & (1u << i)) {
            oxsim_buf_puts(b, first ? "" : ",");
            oxsim_buf_json(b, oxsim_access_names[i]);
            first = 0;
        }
    }
    oxsim_buf_puts(b, "]");
}

/* hex SHA-256 of "<salt>:<context id>:<user id>:<password>": lets a test
 * tell whether a user's password is the one it expects without the state
 * ever showing a password (tests/oxsim/README.md, "password_sha256"). */
static void oxsim_password_digest(oxsim_buf_t *b, const oxsim_user_t *u,
                                  const char *pw)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    oxsim_buf_t in;

    oxsim_buf_init(&in);
    oxsim_buf_printf(&in, "%s:%d:%d:%s", oxsim_pw_salt, u->ctx->id, u->id,
                     pw);
    if (EVP_Digest(in.s, in.len, md, &mdlen, EVP_sha256(), NULL) != 1) {
        abort();
    }
    oxsim_buf_free(&in);
    oxsim_buf_puts(b, "\"");
    for (i = 0; i < mdlen; i++) {
        oxsim_buf_printf(b, "%02x", md[i]);
    }
    oxsim_buf_puts(b, "\"");
}

/* The change log (--change-log FILE): one line per user create or change
 * that set a password, written while the call is applied (before the
 * latency), so a benchmark can tell when each password reached OX and
 * whether any was sent twice. Lines are written under the store lock. */

int oxsim_store_change_log_open(const char *path)
{
    oxsim_change_log = fopen(path, "a");
    return oxsim_change_log == NULL ? -1 : 0;
}

void oxsim_store_log_change(const char *op, const oxsim_user_t *u,
                            const char *pw)
{
    struct timespec ts;
    oxsim_buf_t b;

    if (oxsim_change_log == NULL || pw == NULL) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    oxsim_buf_init(&b);
    oxsim_buf_printf(&b, "%lld.%06ld %s %d %d ", (long long)ts.tv_sec,
                     ts.tv_nsec / 1000, op, u->ctx->id, u->id);
    oxsim_password_digest(&b, u, pw);
    oxsim_buf_puts(&b, "\n");
    fwrite(b.s, 1, b.len, oxsim_change_log);
    fflush(oxsim_change_log);
    oxsim_buf_free(&b);
}

static void oxsim_user_json(oxsim_buf_t *b, const oxsim_user_t *u)
{
    int i;

    oxsim_buf_printf(b, "{\"id\":%d,\"contextadmin\":%s,\"access_combination\":",
                     u->id, u->is_admin ? "true" : "false");
    oxsim_buf_json(b, oxsim_access_name_of(u->access, u->is_admin));
    oxsim_buf_puts(b, ",\"module_access\":");
    oxsim_access_json(b, u->access);
    oxsim_buf_puts(b, ",\"aliases\":[");
    for (i = 0; i < u->naliases; i++) {
        oxsim_buf_puts(b, i ? "," : "");
        oxsim_buf_json(b, u->aliases[i]);
    }
    oxsim_buf_puts(b, "]");
    for (i = 0; i < u->nkv; i++) {
        const char *name = oxsim_user_fields[u->kv[i].idx].name;

        if (!strcmp(name, "password")) {
            oxsim_buf_puts(b, ",\"password_sha256\":");
            oxsim_password_digest(b, u, u->kv[i].val);
            continue;
        }
        oxsim_buf_puts(b, ",");
        oxsim_buf_json(b, name);
        oxsim_buf_puts(b, ":");
        oxsim_buf_json(b, u->kv[i].val);
    }
    oxsim_buf_puts(b, "}");
}

static void oxsim_ctx_json(oxsim_buf_t *b, const oxsim_ctx_t *c)
{
    const oxsim_user_t *u;
    int i;

    oxsim_buf_printf(b, "{\"id\":%d,\"name\":", c->id);
    oxsim_buf_json(b, c->name);
    oxsim_buf_printf(b, ",\"maxQuota\":%lld,\"maxQuota_bytes\":%lld,"
                     "\"enabled\":%s,\"admin_id\":%d,\"owner\":",
                     c->max_quota_mb,
                     c->max_quota_mb < 0 ? -1LL : c->max_quota_mb << 20,
                     c->enabled ? "true" : "false", c->admin_id);
    oxsim_buf_json(b, c->owner);
    oxsim_buf_puts(b, ",\"access_combination\":");
    oxsim_buf_json(b, oxsim_access_name_of(c->access, 1));
    oxsim_buf_puts(b, ",\"loginMappings\":[");
    for (i = 0; i < c->nmappings; i++) {
        oxsim_buf_puts(b, i ? "," : "");
        oxsim_buf_json(b, c->mappings[i]);
    }
    oxsim_buf_puts(b, "],\"users\":[");
    for (u = c->users; u != NULL; u = u->next) {
        oxsim_user_json(b, u);
        oxsim_buf_puts(b, u->next ? "," : "");
    }
    oxsim_buf_puts(b, "]}");
}

void oxsim_store_json(oxsim_buf_t *b)
{
    const oxsim_ctx_t *c;

    oxsim_buf_printf(b, "{\"nusers\":%zu,\"password_salt\":\"%s\","
                     "\"contexts\":[", oxsim_nusers, oxsim_pw_salt);
    for (c = oxsim_ctx_head; c != NULL; c = c->next) {
        oxsim_ctx_json(b, c);
        oxsim_buf_puts(b, c->next ? "," : "");
    }
    oxsim_buf_puts(b, "]}");
}
