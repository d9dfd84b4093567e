#pragma once

#include <CLI/CLI.hpp>

namespace tollgate::cli {

// Adds `pki` and its subcommands (ca, server, client, p12, quickstart) to `app`. They issue
// certificates into files with OpenSSL, without a running server. Each callback ends the
// parse with CLI::RuntimeError carrying the exit code when that is not 0: 2 when an option,
// an input file or an output path is invalid, 1 when issuing or writing failed.
void add_pki_command(CLI::App& app);

}  // namespace tollgate::cli
