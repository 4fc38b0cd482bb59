/*
 * config.h: signet's settings, read from its one INI file (auth/base/ini.h) by
 * the daemon, the CLI and the PAM module alike.
 *
 * The settings are a table in config.c: one row per setting (section, key,
 * type, where it lives in struct signet_config, help text). A new setting
 * is a new field and a new row; parsing, checking, duplicate detection and
 * `signet --help-config` follow from the row.
 *
 * Strict: an unknown section or key, a value of the wrong type or range
 * and a key given twice in one section are all SG_E_CONFIG errors naming
 * the line, never a value.
 */
#ifndef SIGNET_CONFIG_H
#define SIGNET_CONFIG_H

#include <stdio.h>

#include "certcheck.h"
#include "pin.h"
#include "sg_err.h"

#define CONFIG_MAX_FILE (64 * 1024) /* a bigger configuration file is refused */
/* In the detail of an unknown setting ("line 2: unknown setting [pin] x"),
 * after which the CLI names --help-config. */
#define CONFIG_UNKNOWN "unknown setting "

struct signet_config {
	char module[256];      /* [token] module: PKCS#11 module path ("" = board default) */
	char token_uri[512];   /* [token] uri: pkcs11: URI choosing token/cert/key */
	int backend;           /* [token] backend: enum config_backend */
	char reader[128];      /* [token] reader: PC/SC reader for backend pcsc ("": first PIV card) */
	int cert_cache;        /* [token] cert_cache: keep a card's certificates (certcache.h) */
	char vcard_name[33];   /* [vcard] name: the virtual card for backend vcard ("": default) */
	struct pin_policy pin; /* [pin] min_length, max_length, digits_only, timeout (s) */
	int log_level;         /* [log] level: an enum hal_log_level */
	int log_syslog;        /* [log] syslog: 0 or 1 */
	/* [certs]: what a certificate must pass (certcheck.h). */
	char ca[256];          /* trust anchors: a PEM/DER file or a directory */
	char untrusted[256];   /* intermediate certificates (file) */
	char crl[256];         /* CRL file (PEM or DER) */
	char ocsp_url[512];    /* responder to ask instead of the certificate's AIA */
	int revocation;        /* enum config_revocation */
	struct certcheck_policy check;
	/* [pam]: the desktop sign-in module (pam_signet.so). */
	int pam_map;              /* enum usermap_method: how a certificate names its user */
	char pam_map_file[256];   /* "IDENTITY USER" lines for map = file */
	char pam_map_domain[256]; /* upn/email/sip: only names in this domain ("" = any) */
	char pam_prompt[128];     /* PIN prompt; {token} is the token label; "" = default */
	int pam_log_stderr;       /* 1: log to stderr instead of syslog (tests, debugging) */
	/* [sip]: the registration (signet signin, signet run). */
	char sip_registrar[256]; /* sips:host[:port] or sip:host[:port];transport=tls (UDP/TCP:
				  * only with sip_insecure_transport) */
	char sip_user[256];      /* the address of record, sip:alice@example.org */
	char sip_ca[256];        /* trust anchors for the registrar ("" = [certs] ca) */
	char sip_instance[128];  /* +sip.instance (urn:uuid:...) */
	char sip_auth_user[128]; /* Digest user name ("" = the AoR's user) */
	char sip_password[128];  /* Digest password when the registrar asks for one */
	int sip_expires;         /* seconds asked for */
	int sip_reg_id;          /* RFC 5626 reg-id (0: none) */
	int sip_outbound;        /* ask for RFC 5626 outbound */
	int sip_flows;           /* RFC 5626 flows: 1 or 2 (reg-id 1 and 2) */
	int sip_retry_base;      /* first back-off after a failure, seconds */
	int sip_check_revocation;/* check the registrar's certificate for revocation */
	int sip_revocation;      /* its sources: enum config_revocation (not [certs]') */
	int sip_on_unavailable;  /* no answer for it: enum revoke_on_fail (default soft) */
	int sip_insecure_transport; /* allow sip: over UDP/TCP (no TLS): labs only */
	char sip_dns[256];       /* DNS servers "ADDR[:PORT][,...]" ("" = the system's) */
	int sip_accept_target_name; /* the registrar may be named by its SRV target */
	int sip_tls_resume;      /* TLS session resumption lifetime, s (0: off) */
	/* [enroll]: certificate enrolment and renewal over EST-coaps (est.h). */
	char enroll_server[256];      /* coaps://host[:port] */
	char enroll_renew_server[256];/* its re-enrolment address ("": server) */
	char enroll_ca[256];          /* the pinned CA of the service (PEM/DER file) */
	char enroll_fingerprint[128]; /* or its SHA-256 fingerprint */
	int enroll_renew_days;        /* renew this many days before expiry */
	int enroll_renew_retry;       /* seconds between signet run's renewal attempts */
	int enroll_state_port;        /* UDP port of the CoAP state resource (0: off) */
	char enroll_state_addr[64];   /* its address */
};

/* Where the token is: a PKCS#11 module, the in-process virtual card, or
 * a PIV card in a PC/SC reader spoken to directly (no OpenSC). */
enum config_backend {
	CONFIG_BACKEND_PKCS11,
	CONFIG_BACKEND_VCARD,
	CONFIG_BACKEND_PCSC,
};

enum config_revocation {
	CONFIG_REVOCATION_OCSP_CRL,
	CONFIG_REVOCATION_CRL_OCSP,
	CONFIG_REVOCATION_OCSP,
	CONFIG_REVOCATION_CRL,
	CONFIG_REVOCATION_NONE,
};

/* The revocation policy word ("ocsp,crl", ...) for enum config_revocation. */
const char *config_revocation_name(int r);

/* Copies the [certs] settings that live outside the policy struct (the
 * method order, the OCSP URL) into c->check, ready for certcheck_run(). */
void config_apply_check(struct signet_config *c);

/* The defaults: pin_policy_default(), log level warning, no syslog, empty
 * module and URI. */
void config_defaults(struct signet_config *c);

/* Applies the settings in buf[0..len) on top of *c (defaults, or an
 * earlier file) and checks the result (pin_policy_check). On any error *c
 * is left exactly as it was, so a caller never runs on half a file. */
sg_err config_parse(const char *buf, size_t len, struct signet_config *c, struct sg_error *e);

/* Reads path (at most CONFIG_MAX_FILE bytes) and config_parse()s it.
 * A missing file is SG_OK with *c untouched unless must_exist; other
 * failures to read are SG_E_IO. The error detail starts with the path. */
sg_err config_load_file(const char *path, int must_exist, struct signet_config *c,
			struct sg_error *e);

/* Lists every setting, its values, default and help (signet --help-config). */
void config_print_help(FILE *f);

#endif
