/*
 * linux_cares.h: c-ares for the resolver (linux_dns.c, linux_dns_answer.c).
 *
 * Linked, or on a board that sets CARES_DLOPEN (LINUX_CARES_DLOPEN)
 * loaded on the first query: a process that resolves nothing (signet sign,
 * pam_signet with revocation none) then does not map it at start. Each
 * ares_* name used here then goes through linux_cares (linux_dns.c), whose
 * entries have the library's own types; linux_cares_load() fills it and
 * runs ares_library_init once (0: ready).
 */
#ifndef LINUX_CARES_H
#define LINUX_CARES_H

#include <ares.h>

#ifdef LINUX_CARES_DLOPEN
struct linux_cares {
	void *dl;
	__typeof__(&ares_library_init) library_init;
	__typeof__(&ares_init_options) init_options;
	__typeof__(&ares_set_servers_ports_csv) set_servers_ports_csv;
	__typeof__(&ares_destroy) destroy;
	__typeof__(&ares_process_fd) process_fd;
	__typeof__(&ares_query) query;
	__typeof__(&ares_gethostbyname_file) gethostbyname_file;
	__typeof__(&ares_free_hostent) free_hostent;
	__typeof__(&ares_expand_name) expand_name;
	__typeof__(&ares_free_string) free_string;
	__typeof__(&ares_free_data) free_data;
	__typeof__(&ares_parse_srv_reply) parse_srv_reply;
	__typeof__(&ares_parse_naptr_reply) parse_naptr_reply;
	__typeof__(&ares_parse_a_reply) parse_a_reply;
	__typeof__(&ares_parse_aaaa_reply) parse_aaaa_reply;
};

extern struct linux_cares linux_cares;
int linux_cares_load(void);

#define ares_library_init linux_cares.library_init
#define ares_init_options linux_cares.init_options
#define ares_set_servers_ports_csv linux_cares.set_servers_ports_csv
#define ares_destroy linux_cares.destroy
#define ares_process_fd linux_cares.process_fd
#define ares_query linux_cares.query
#define ares_gethostbyname_file linux_cares.gethostbyname_file
#define ares_free_hostent linux_cares.free_hostent
#define ares_expand_name linux_cares.expand_name
#define ares_free_string linux_cares.free_string
#define ares_free_data linux_cares.free_data
#define ares_parse_srv_reply linux_cares.parse_srv_reply
#define ares_parse_naptr_reply linux_cares.parse_naptr_reply
#define ares_parse_a_reply linux_cares.parse_a_reply
#define ares_parse_aaaa_reply linux_cares.parse_aaaa_reply
#endif

#endif
