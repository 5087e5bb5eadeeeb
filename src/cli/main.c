/*
 * mcim: the one command line tool of openmcim. main() only dispatches: each row of
 * the table is a command implemented in its own cmd_*.c file (bench in bench/).
 */
#include "bench.h"
#include "cli.h"

static const struct cli_cmd commands[] = {
    {"aka", "AKA: run test-data files, make an authentication vector, act as a USIM",
     cmd_aka},
    {"demo", "an AKA round between an AuC and a USIM (MILENAGE and TUAK)", cmd_demo},
    {"pki", "the ecosystem's certificates: create, show, verify, revoke", cmd_pki},
    {"device", "manufacture and boot a device (factory, bench)", cmd_device},
    {"tre", "the device's trusted environment: status, attest, aka, audit, serve",
     cmd_tre},
    {"bench", "throughput figures against the project's speed goals", mcim_bench_main},
};

int main(int argc, char **argv)
{
	return cli_dispatch("",
			    "openmcim: remote provisioning of subscriber "
			    "credentials (MCIMs) for M2M equipment",
			    commands, sizeof(commands) / sizeof(commands[0]), argc, argv);
}
