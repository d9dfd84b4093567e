#pragma once

#include <CLI/CLI.hpp>

namespace tollgate::cli {

// Adds `cert inspect` and `cert verify` to `app`. inspect reports what the API's upload check
// finds in certificate files, offline, and exits 1 when it finds an error. verify sends a
// client certificate to the API of a running `tollgate serve`, which returns whether a
// listener accepts it. It exits 0 when the listener does, 1 when it does not or the call
// fails, and 2 on invalid input.
void add_cert_command(CLI::App& app);

}  // namespace tollgate::cli
