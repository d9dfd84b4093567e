#include "cli/cert_command.h"
#include "cli/client_commands.h"
#include "cli/demo_backend.h"
#include "cli/pki_command.h"
#include "cli/serve.h"

#include <CLI/CLI.hpp>

#include <string>

namespace tollgate {
extern const char* const kVersion;
extern const char* const kCommit;
}  // namespace tollgate

int main(int argc, char** argv) {
    CLI::App app{"tollgate: a load balancer with mutual TLS authentication"};
    app.set_version_flag("--version",
                         std::string("tollgate ") + tollgate::kVersion + " (" + tollgate::kCommit + ")");
    app.require_subcommand(1);

    tollgate::cli::add_serve_command(app);
    tollgate::cli::add_client_commands(app);
    tollgate::cli::add_cert_command(app);
    tollgate::cli::add_pki_command(app);
    tollgate::cli::add_demo_backend_command(app);

    CLI11_PARSE(app, argc, argv);
    return 0;
}
