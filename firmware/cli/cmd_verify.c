/* cmd_verify.c: `signet verify`: is this certificate acceptable here? */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/x509_crt.h>

#include "certcheck.h"
#include "certinfo.h"
#include "cli.h"
#include "commands.h"
#include "json.h"
#include "sg_time.h"
#include "trust.h"

static const char verify_usage[] =
	"usage: signet verify [--cert FILE | --module PATH --token URI] [--ca FILE|DIR]\n"
	"                     [--untrusted FILE] [--crl FILE] [--identity ID]\n"
	"                     [--revocation ocsp,crl|crl,ocsp|ocsp|crl|none]\n"
	"                     [--revocation-scope chain|leaf]\n"
	"                     [--on-unavailable hard|soft] [--ocsp-url URL] [--at TIME]\n"
	"                     [--timeout SECONDS] [--no-cache] [--json] [--config FILE]\n"
	"Checks a certificate the way a sign-in does: chain to the trust anchors,\n"
	"validity at the device's time (or --at), key usage, the identity it names,\n"
	"and revocation (OCSP, CRL) under the policy. Prints each check and, on\n"
	"failure, what to do. The certificate comes from --cert (PEM or DER; more\n"
	"certificates in the file are taken as intermediates) or from the token.\n"
	"Exit: 0 acceptable, 6 not acceptable, 7 revoked, 8 revocation unavailable.\n";

struct verify_opts {
	const char *cert, *ca, *untrusted, *crl, *identity, *revocation, *on_fail, *ocsp_url;
	const char *at, *timeout, *scope;
	int no_cache;
};

struct loaded {
	mbedtls_x509_crt anchors, pool;
	struct path_unread unread; /* intermediates mbedTLS cannot parse */
	struct crl_list crls;
	uint8_t *der;
	size_t der_len;
};

static int verify_parse(struct cli *c, int argc, char **argv, struct verify_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"cert", required_argument, NULL, 'c'},
		{"ca", required_argument, NULL, 'a'},
		{"untrusted", required_argument, NULL, 'u'},
		{"crl", required_argument, NULL, 'r'},
		{"identity", required_argument, NULL, 'i'},
		{"revocation", required_argument, NULL, 'R'},
		{"revocation-scope", required_argument, NULL, 'S'},
		{"on-unavailable", required_argument, NULL, 'F'},
		{"ocsp-url", required_argument, NULL, 'O'},
		{"at", required_argument, NULL, 't'},
		{"timeout", required_argument, NULL, 'T'},
		{"no-cache", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = cli_next_opt(c, argc, argv, "h", longopts)) > 0) {
		switch (opt) {
		case 'c': o->cert = optarg; break;
		case 'a': o->ca = optarg; break;
		case 'u': o->untrusted = optarg; break;
		case 'r': o->crl = optarg; break;
		case 'i': o->identity = optarg; break;
		case 'R': o->revocation = optarg; break;
		case 'S': o->scope = optarg; break;
		case 'F': o->on_fail = optarg; break;
		case 'O': o->ocsp_url = optarg; break;
		case 't': o->at = optarg; break;
		case 'T': o->timeout = optarg; break;
		case 'N': o->no_cache = 1; break;
		case 'h':
			fputs(verify_usage, stdout);
			return -1;
		default:
			fputs(verify_usage, stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (opt < 0)
		return SG_EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Applies the flags over the configuration's [certs] settings. */
static int verify_policy(struct cli *c, const struct verify_opts *o, struct certcheck_policy *p,
			 struct certcheck_input *in)
{
	struct sg_error e;

	sg_error_init(&e);
	config_apply_check(&c->cfg);
	*p = c->cfg.check;
	if (o->revocation && revoke_policy_methods(&p->revoke, o->revocation, &e))
		return cli_usage_error(c, "--revocation: %s", e.detail);
	if (o->on_fail) {
		if (!strcmp(o->on_fail, "hard"))
			p->revoke.on_fail = REVOKE_FAIL_HARD;
		else if (!strcmp(o->on_fail, "soft"))
			p->revoke.on_fail = REVOKE_FAIL_SOFT;
		else
			return cli_usage_error(c, "--on-unavailable must be hard or soft");
	}
	if (o->scope) {
		if (!strcmp(o->scope, "chain"))
			p->revocation_scope = CERTCHECK_SCOPE_CHAIN;
		else if (!strcmp(o->scope, "leaf"))
			p->revocation_scope = CERTCHECK_SCOPE_LEAF;
		else
			return cli_usage_error(c, "--revocation-scope must be chain or leaf");
	}
	if (o->ocsp_url)
		p->revoke.ocsp_url = o->ocsp_url;
	if (o->no_cache)
		p->revoke.use_cache = 0;
	if (o->timeout) {
		char *end;
		long s = strtol(o->timeout, &end, 10);
		if (*end || s < 1 || s > 120)
			return cli_usage_error(c, "--timeout must be 1..120 seconds");
		p->revoke.timeout_ms = (int)s * 1000;
	}
	if (o->at) {
		if (sg_time_parse(o->at, &in->at, &e))
			return cli_usage_error(c, "--at: %s", e.detail);
		in->at_set = 1;
	}
	in->identity = o->identity ? o->identity : c->user;
	return 0;
}

/* The certificate to check: from --cert, or the token's sign-in one. */
static sg_err load_subject(struct cli *c, const struct verify_opts *o, struct loaded *l,
			   struct sg_error *e)
{
	struct token *t = NULL;
	size_t ci;
	sg_err err;

	if (o->cert) {
		/* The rest of the file helps build the chain. */
		return trust_load_subject(o->cert, "--cert", &l->der, &l->der_len, &l->pool,
					  &l->unread, e);
	}
	err = cli_open_token(c, &t, e);
	if (!err)
		err = cli_select(c, t, &ci, e);
	if (!err) {
		l->der = malloc(t->certs[ci].der_len);
		if (!l->der) {
			err = sg_error_set(e, SG_E_NOMEM, NULL);
		} else {
			memcpy(l->der, t->certs[ci].der, t->certs[ci].der_len);
			l->der_len = t->certs[ci].der_len;
			/* CA certificates on the token are intermediates. */
			trust_add_token_cas(&l->pool, t);
		}
	}
	token_close(t);
	return err;
}

static const char *pick(const char *flag, const char *conf)
{
	return flag ? flag : conf[0] ? conf : NULL;
}

static sg_err load_inputs(struct cli *c, const struct verify_opts *o, struct loaded *l,
			  struct sg_error *e)
{
	const char *ca = pick(o->ca, c->cfg.ca), *un = pick(o->untrusted, c->cfg.untrusted),
		   *crl = pick(o->crl, c->cfg.crl);
	sg_err err;

	if (!ca)
		return sg_error_set(e, SG_E_CONFIG,
				    "no trust anchors: give --ca FILE|DIR or set [certs] ca");
	err = trust_load_certs(&l->anchors, ca, "--ca", e);
	if (!err && un)
		err = trust_load_pool(&l->pool, &l->unread, un, "--untrusted", e);
	if (!err && crl)
		err = trust_load_crl(&l->crls, crl, "--crl", e);
	if (!err)
		err = load_subject(c, o, l, e);
	return err;
}

static void print_text(const struct certinfo *ci, const struct certcheck_report *rep,
		       const struct sg_error *e)
{
	char when[32];

	printf("Certificate: %s\n", ci->subject);
	printf("Issuer:      %s\n", ci->issuer);
	printf("Serial:      %s\n", ci->serial);
	printf("Key:         %s %u bits\n", ci->key_type, ci->key_bits);
	printf("Checked at:  %s\n", sg_time_format(rep->now, when, sizeof(when)));
	for (int i = 0; i < CERTCHECK__STEPS; i++)
		printf("  %-11s %-5s %s\n", certcheck_step_name(i),
		       certcheck_verdict_name(rep->steps[i].verdict), rep->steps[i].text);
	/* What the chain check found on the way (part of the chain verdict). */
	printf("  %-11s %-5s %s\n", "policy", certcheck_verdict_name(rep->policy.verdict),
	       rep->policy.text);
	printf("  %-11s %-5s %s\n", "names", certcheck_verdict_name(rep->names.verdict),
	       rep->names.text);
	if (rep->result == SG_OK) {
		printf("Result:      acceptable\n");
		return;
	}
	printf("Result:      not acceptable: %s\n", cli_err_message(rep->result));
	printf("Diagnosis:   %s; %s\n", e->detail,
	       cli_err_check_diagnosis(rep->result, rep->advice));
}

static void print_json(const struct certinfo *ci, const struct certcheck_report *rep)
{
	struct json j;
	char when[32];

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_key(&j, "subject");
	json_str(&j, ci->subject);
	json_key(&j, "issuer");
	json_str(&j, ci->issuer);
	json_key(&j, "serial");
	json_str(&j, ci->serial);
	json_key(&j, "key_type");
	json_str(&j, ci->key_type);
	json_key(&j, "key_bits");
	json_int(&j, ci->key_bits);
	json_key(&j, "at");
	json_str(&j, sg_time_format(rep->now, when, sizeof(when)));
	json_key(&j, "checks");
	json_arr_begin(&j);
	for (int i = 0; i < CERTCHECK__STEPS; i++) {
		json_obj_begin(&j);
		json_key(&j, "check");
		json_str(&j, certcheck_step_name(i));
		json_key(&j, "result");
		json_str(&j, certcheck_verdict_name(rep->steps[i].verdict));
		json_key(&j, "detail");
		json_str(&j, rep->steps[i].text);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "policy");
	json_obj_begin(&j);
	json_key(&j, "result");
	json_str(&j, certcheck_verdict_name(rep->policy.verdict));
	json_key(&j, "detail");
	json_str(&j, rep->policy.text);
	json_obj_end(&j);
	json_key(&j, "names");
	json_obj_begin(&j);
	json_key(&j, "result");
	json_str(&j, certcheck_verdict_name(rep->names.verdict));
	json_key(&j, "detail");
	json_str(&j, rep->names.text);
	json_obj_end(&j);
	if (rep->steps[CERTCHECK_TIME].verdict != CERTCHECK_FAIL && rep->not_after) {
		json_key(&j, "days_left");
		json_int(&j, rep->days_left);
	}
	json_key(&j, "result");
	json_str(&j, rep->result == SG_OK ? "acceptable" : cli_err_name(rep->result));
	if (rep->result != SG_OK) {
		json_key(&j, "diagnosis");
		json_str(&j, cli_err_check_diagnosis(rep->result, rep->advice));
	}
	json_key(&j, "exit_code");
	json_int(&j, cli_err_exit(rep->result));
	json_obj_end(&j);
	json_end(&j);
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	struct verify_opts o = {0};
	struct certcheck_policy pol;
	struct certcheck_input in;
	struct certcheck_report rep;
	struct certinfo ci;
	struct loaded l;
	struct sg_error e;
	int rc = verify_parse(c, argc, argv, &o);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = cli_settle(c);
	if (rc)
		return rc;
	memset(&in, 0, sizeof(in));
	rc = verify_policy(c, &o, &pol, &in);
	if (rc)
		return rc;
	memset(&l, 0, sizeof(l));
	mbedtls_x509_crt_init(&l.anchors);
	mbedtls_x509_crt_init(&l.pool);
	crl_list_init(&l.crls);
	sg_error_init(&e);
	if (load_inputs(c, &o, &l, &e)) {
		rc = cli_fail(c, &e);
		goto out;
	}
	in.der = l.der;
	in.der_len = l.der_len;
	in.anchors = &l.anchors;
	in.intermediates = l.pool.raw.p ? &l.pool : NULL;
	in.unread = &l.unread;
	in.crls = &l.crls;
	cli_step(c, "checking %zu-byte certificate", l.der_len);
	certcheck_run(&c->hal, &pol, &in, &rep, &e);
	if (certinfo_parse(l.der, l.der_len, &ci, NULL) != SG_OK)
		memset(&ci, 0, sizeof(ci));
	if (c->json)
		print_json(&ci, &rep);
	else
		print_text(&ci, &rep, &e);
	if (c->verbose && rep.revocation.trail[0])
		fprintf(stderr, "%s: revocation sources: %s\n", c->prog, rep.revocation.trail);
	rc = cli_err_exit(rep.result);
out:
	free(l.der);
	mbedtls_x509_crt_free(&l.anchors);
	mbedtls_x509_crt_free(&l.pool);
	path_unread_free(&l.unread);
	crl_list_free(&l.crls);
	return rc;
}
