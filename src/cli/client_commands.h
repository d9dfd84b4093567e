#pragma once

#include <CLI/CLI.hpp>

namespace tollgate::cli {

// Adds the client subcommands to `app`: certificate, loadbalancer, listener, pool, member,
// healthmonitor and apply. They call the REST API of a running `tollgate serve`. Each
// callback ends the parse with CLI::RuntimeError carrying the exit code when that is not 0:
// 1 when the API returned an error or could not be reached, 2 when the input is invalid.
void add_client_commands(CLI::App& app);

}  // namespace tollgate::cli
