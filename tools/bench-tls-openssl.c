/*
 * bench-tls-openssl: the in-process floor of signet's "TCP + TLS" step
 * (tools/bench-signin). N full mutual-TLS 1.2 handshakes with OpenSSL to
 * one registrar, with the same client certificate and key (from PEM files:
 * no token) and the same checks of the registrar's certificate (chain to
 * CAFILE, the host's name or IP address). Certificates, key and CA file
 * are loaded once, before timing; each round times only TCP connect +
 * handshake, in-process, with no session reuse (no session cache, no
 * tickets). Prints the median and the mean in milliseconds:
 *
 *   bench-tls-openssl HOST PORT NAME CERT KEY CAFILE N
 *   -> "openssl in-process TLS 1.2 handshake: median X.XXX ms mean Y.YYY ms (N rounds, GROUP)"
 *
 * Built for `make bench` only (links libssl; not a signet dependency).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define MAX_ROUNDS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int die(const char *what)
{
	fprintf(stderr, "bench-tls-openssl: %s\n", what);
	ERR_print_errors_fp(stderr);
	return 1;
}

int main(int argc, char **argv)
{
	static double t[MAX_ROUNDS];
	struct sockaddr_in sa;
	char group[64] = "?";
	SSL_CTX *ctx;
	double sum = 0;
	long n;

	if (argc != 8 || (n = strtol(argv[7], NULL, 10)) < 1 || n > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench-tls-openssl HOST PORT NAME CERT KEY CAFILE N (1..%d)\n",
			MAX_ROUNDS);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)strtol(argv[2], NULL, 10));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		return die("HOST must be an IPv4 address");
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION))
		return die("cannot set up TLS 1.2");
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (SSL_CTX_use_certificate_chain_file(ctx, argv[4]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[5], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return die("cannot load the client certificate and key");
	if (SSL_CTX_load_verify_locations(ctx, argv[6], NULL) != 1)
		return die("cannot load CAFILE");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

	for (long i = 0; i < n; i++) {
		double t0 = now_ms();
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		struct in_addr ip;
		SSL *ssl;

		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			return die("cannot connect");
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ssl = SSL_new(ctx);
		if (!ssl || !SSL_set_fd(ssl, fd))
			return die("SSL_new");
		/* the registrar's name: as signet checks it (IP literal or DNS) */
		if (inet_pton(AF_INET, argv[3], &ip) == 1
			    ? !X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), argv[3])
			    : (!SSL_set1_host(ssl, argv[3]) || !SSL_set_tlsext_host_name(ssl, argv[3])))
			return die("cannot set the registrar's name");
		if (SSL_connect(ssl) != 1)
			return die("handshake failed");
		t[i] = now_ms() - t0;
		sum += t[i];
		if (i == 0) {
			int nid = SSL_get_negotiated_group(ssl);
			const char *name = nid ? OBJ_nid2sn(nid) : NULL;

			snprintf(group, sizeof(group), "%s, %s", SSL_get_cipher_name(ssl),
				 name ? name : "no group");
		}
		(void)SSL_shutdown(ssl);
		SSL_free(ssl);
		close(fd);
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp);
	printf("openssl in-process TLS 1.2 handshake: median %.3f ms mean %.3f ms (%ld rounds, %s)\n",
	       n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, sum / (double)n, n, group);
	SSL_CTX_free(ctx);
	return 0;
}
