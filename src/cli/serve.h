#pragma once

#include <CLI/CLI.hpp>

namespace tollgate::cli {

// Adds the `serve` subcommand to `app`. Its callback runs the load balancer until it stops
// and ends the parse with CLI::RuntimeError carrying the exit code when that is not 0.
void add_serve_command(CLI::App& app);

}  // namespace tollgate::cli
