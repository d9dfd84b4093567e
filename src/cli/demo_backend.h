#pragma once

#include <CLI/CLI.hpp>

namespace tollgate::cli {

// Adds `demo-backend`: a small HTTP/1.1 server that responds to every request with its request
// line and the headers it received, so that a user sees what a listener adds, the client
// certificate headers included. It prints its address as its first line of standard output
// and serves until SIGINT or SIGTERM.
void add_demo_backend_command(CLI::App& app);

}  // namespace tollgate::cli
