// tincrawl's entry point stays thin: everything lives in tincrawl_core so tests can link it.
#include "crawler/cli/cli.h"

int main(int argc, char** argv) { return tincrawl::RunCli(argc, argv); }
