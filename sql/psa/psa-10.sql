-- Plesk 10.x `psa` schema subset (see README.md). Only CREATE TABLE
-- statements: the loader chooses the database. Column names, types,
-- charsets and enum spellings follow docs/reference/psa-schema.md.
-- Panel accounts: the admin is a clients row (type 'admin'), resellers
-- and customers hang below it through parent_id. Plesk 10 adds
-- subscriptions (domains.webspace_id) and subdomains as domains rows
-- (domains.parentDomainId); the subdomains and dom_level_usrs tables are
-- gone and domain administrators are Panel users in smb_users.

CREATE TABLE IF NOT EXISTS accounts (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  type VARCHAR(32) NOT NULL DEFAULT 'plain',
  password TEXT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS clients (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  parent_id INT UNSIGNED NULL,
  type ENUM('admin','reseller','client') NOT NULL DEFAULT 'client',
  cr_date DATE NULL,
  cname VARCHAR(255) NULL,
  pname VARCHAR(255) NOT NULL,
  login VARCHAR(20) NOT NULL,
  account_id INT UNSIGNED NOT NULL,
  status BIGINT UNSIGNED NOT NULL DEFAULT 0,
  phone VARCHAR(255) NULL,
  fax VARCHAR(255) NULL,
  email VARCHAR(255) NULL,
  address VARCHAR(255) NULL,
  city VARCHAR(255) NULL,
  state VARCHAR(255) NULL,
  pcode VARCHAR(10) NULL,
  country VARCHAR(2) NULL,
  locale VARCHAR(17) NOT NULL DEFAULT 'en-US',
  limits_id INT UNSIGNED NULL,
  params_id INT UNSIGNED NULL,
  perm_id INT UNSIGNED NULL,
  pool_id INT UNSIGNED NULL,
  logo_id INT UNSIGNED NULL,
  tmpl_id INT UNSIGNED NULL,
  sapp_pool_id INT UNSIGNED NULL,
  guid VARCHAR(36) NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
  overuse ENUM('false','true') NOT NULL DEFAULT 'false',
  PRIMARY KEY (id),
  UNIQUE KEY login (login),
  KEY parent_id (parent_id, type),
  KEY type (type),
  KEY pname (pname)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS domains (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  cr_date DATE NULL,
  name VARCHAR(255) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  displayName VARCHAR(255) CHARACTER SET utf8 COLLATE utf8_general_ci NOT NULL,
  dns_zone_id INT UNSIGNED NOT NULL DEFAULT 0,
  status BIGINT UNSIGNED NOT NULL DEFAULT 0,
  htype ENUM('none','vrt_hst','std_fwd','frm_fwd') NOT NULL DEFAULT 'none',
  real_size BIGINT UNSIGNED NULL DEFAULT 0,
  cl_id INT UNSIGNED NOT NULL,
  cert_rep_id INT UNSIGNED NULL,
  limits_id INT UNSIGNED NULL,
  params_id INT UNSIGNED NULL,
  guid VARCHAR(36) NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
  overuse ENUM('false','true') NOT NULL DEFAULT 'false',
  webspace_id INT UNSIGNED NOT NULL DEFAULT 0,
  parentDomainId INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY name (name),
  KEY cl_id (cl_id),
  KEY webspace_id (webspace_id),
  KEY parentDomainId (parentDomainId),
  KEY displayName (displayName)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

-- Panel users (Plesk 10+). The domain administrator of our fixtures is
-- the smb_users row whose login is the domain name. A password starting
-- with $AES-128-CBC$ is a sym value, anything else plain text.
CREATE TABLE IF NOT EXISTS smb_users (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  login VARCHAR(255) CHARACTER SET utf8 COLLATE utf8_general_ci NOT NULL,
  password TEXT NULL,
  contactName VARCHAR(255) NOT NULL DEFAULT '',
  email VARCHAR(255) NOT NULL DEFAULT '',
  ownerId INT UNSIGNED NOT NULL,
  isLocked TINYINT(1) NOT NULL DEFAULT 0,
  subscriptionDomainId INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY login (login),
  KEY ownerId (ownerId),
  KEY subscriptionDomainId (subscriptionDomainId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS mail (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  mail_name VARCHAR(245) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  perm_id INT UNSIGNED NOT NULL DEFAULT 0,
  postbox ENUM('false','true') NOT NULL DEFAULT 'false',
  account_id INT UNSIGNED NOT NULL,
  redirect ENUM('false','true') NOT NULL DEFAULT 'false',
  redir_addr VARCHAR(255) NULL,
  mail_group ENUM('false','true') NOT NULL DEFAULT 'false',
  autoresponder ENUM('false','true') NOT NULL DEFAULT 'false',
  spamfilter ENUM('false','true') NOT NULL DEFAULT 'false',
  virusfilter ENUM('none','incoming','outgoing','any') NOT NULL DEFAULT 'none',
  mbox_quota BIGINT NOT NULL DEFAULT -1,
  dom_id INT UNSIGNED NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY dom_id (dom_id, mail_name),
  KEY account_id (account_id),
  KEY mail_name (mail_name),
  KEY postbox (postbox)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS mail_aliases (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  mn_id INT UNSIGNED NOT NULL,
  alias VARCHAR(245) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY mn_id (mn_id, alias)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS mail_redir (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  mn_id INT UNSIGNED NOT NULL,
  address VARCHAR(255) NOT NULL,
  PRIMARY KEY (id),
  KEY mn_id (mn_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS mail_resp (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  mn_id INT UNSIGNED NOT NULL,
  resp_name VARCHAR(245) NOT NULL,
  keystr VARCHAR(255) NULL,
  key_where ENUM('subj','body','no') NOT NULL DEFAULT 'no',
  subject VARCHAR(255) NULL,
  reply_to VARCHAR(255) NULL,
  content_type VARCHAR(245) NOT NULL DEFAULT 'text/plain',
  charset VARCHAR(245) NOT NULL DEFAULT 'UTF-8',
  text MEDIUMTEXT NULL,
  resp_on ENUM('false','true') NOT NULL DEFAULT 'false',
  ans_freq INT NULL DEFAULT 10,
  mem_limit INT NULL DEFAULT 1000,
  PRIMARY KEY (id),
  KEY mn_id (mn_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS domainaliases (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  dom_id INT UNSIGNED NOT NULL,
  dns_zone_id INT UNSIGNED NOT NULL DEFAULT 0,
  status INT UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(255) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  displayName VARCHAR(255) CHARACTER SET utf8 COLLATE utf8_general_ci NOT NULL,
  dns ENUM('false','true') NOT NULL DEFAULT 'false',
  mail ENUM('false','true') NOT NULL DEFAULT 'false',
  web ENUM('false','true') NOT NULL DEFAULT 'false',
  tomcat ENUM('false','true') NOT NULL DEFAULT 'false',
  PRIMARY KEY (id),
  UNIQUE KEY name (name),
  KEY dom_id (dom_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS DomainServices (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  dom_id INT UNSIGNED NOT NULL,
  type ENUM('mail','tomcat','maillists') NOT NULL,
  status BIGINT UNSIGNED NOT NULL DEFAULT 0,
  parameters_id INT UNSIGNED NULL,
  PRIMARY KEY (id),
  UNIQUE KEY dom_id (dom_id, type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

-- The server's IP addresses; misc.def_ip_id names the main one
-- (docs/reference/licensing.md). From 9 the type lives in ip_pool.
CREATE TABLE IF NOT EXISTS IP_Addresses (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  ip_address VARCHAR(39) CHARACTER SET ascii NOT NULL,
  mask VARCHAR(39) CHARACTER SET ascii NOT NULL DEFAULT '255.255.255.0',
  iface VARCHAR(255) NOT NULL,
  ssl_certificate_id INT UNSIGNED NOT NULL DEFAULT 0,
  default_domain_id INT UNSIGNED NULL,
  ftps ENUM('false','true') NOT NULL DEFAULT 'false',
  PRIMARY KEY (id),
  UNIQUE KEY ip_address (ip_address)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS misc (
  param VARCHAR(255) NOT NULL,
  val VARBINARY(255) NULL,
  PRIMARY KEY (param)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS sessions (
  sess_id VARCHAR(33) NOT NULL,
  type SMALLINT UNSIGNED NOT NULL,
  login VARCHAR(255) NOT NULL,
  ip_address VARCHAR(15) NOT NULL,
  login_time DATETIME NOT NULL,
  click_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (sess_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS actions (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(255) NOT NULL,
  descr VARCHAR(255) NOT NULL,
  enabled ENUM('false','true') NOT NULL DEFAULT 'true',
  PRIMARY KEY (id),
  UNIQUE KEY name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS event_handlers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  action_id INT UNSIGNED NOT NULL,
  priority INT NOT NULL DEFAULT 0,
  user VARCHAR(255) NOT NULL DEFAULT 'nobody',
  command TEXT NOT NULL,
  PRIMARY KEY (id),
  KEY action_id (action_id, priority)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS custom_buttons (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  sort_key INT UNSIGNED NOT NULL DEFAULT 100,
  level INT UNSIGNED NOT NULL DEFAULT 0,
  level_id INT UNSIGNED NOT NULL DEFAULT 0,
  place ENUM('domain','client','admin','navigation') NOT NULL DEFAULT 'domain',
  text VARCHAR(255) NOT NULL,
  url VARCHAR(255) NULL,
  conhelp TEXT NULL,
  options INT UNSIGNED NOT NULL DEFAULT 0,
  file VARCHAR(245) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY level (level, level_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;
