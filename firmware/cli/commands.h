/* commands.h: the subcommands of `signet` (one file each, cmd_<name>.c).
 * Each parses its own options from argv (argv[0] is the subcommand's
 * name) and returns a process exit code from the table in sg_err.h. */
#ifndef COMMANDS_H
#define COMMANDS_H

struct cli;

int cmd_certs(struct cli *c, int argc, char **argv);
int cmd_sign(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_vcard(struct cli *c, int argc, char **argv);
int cmd_signin(struct cli *c, int argc, char **argv);
int cmd_testauth(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_enroll(struct cli *c, int argc, char **argv);
int cmd_renew(struct cli *c, int argc, char **argv);

#endif
