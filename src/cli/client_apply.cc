#include "cli/client_common.h"

#include "client/apply_run.h"
#include "client/desired_state.h"

#include <iostream>
#include <memory>

namespace tollgate::cli {
namespace {

struct ApplyFlags {
    ClientFlags client;
    std::string file;
    bool prune = false;
    bool dry_run = false;
};

int run_apply(const ApplyFlags& flags) {
    // The file is checked whole before any call, so an invalid file changes nothing.
    client::DesiredStateResult desired = client::read_desired_state(flags.file);
    for (const std::string& warning : desired.warnings) {
        std::cerr << "warning: " << warning << "\n";
    }
    if (!desired.ok()) {
        for (const std::string& error : desired.errors) {
            std::cerr << "error: " << error << "\n";
        }
        return kExitInvalidInput;
    }

    auto opened = open_session(flags.client);
    if (!opened.session) {
        return opened.exit_code;
    }
    client::ApplyOptions options{.prune = flags.prune, .dry_run = flags.dry_run};
    return client::run_apply(*opened.session->api, desired.state, options, std::cout, std::cerr);
}

}  // namespace

void add_apply_command(CLI::App& app) {
    auto flags = std::make_shared<ApplyFlags>();
    auto* command = app.add_subcommand(
        "apply", "Make the resources stored through the API match a configuration file, matched by name");
    command->add_option("-f,--file", flags->file, "Configuration file (YAML or JSON), as for serve --config")
        ->required();
    command->add_flag("--prune", flags->prune,
                      "Also delete the stored resources that the file does not name, in every kind");
    command->add_flag("--dry-run", flags->dry_run, "Print what would change without changing anything");
    add_client_flags(*command, flags->client, false);
    command->callback(command_callback([flags] { return run_apply(*flags); }));
}

}  // namespace tollgate::cli
