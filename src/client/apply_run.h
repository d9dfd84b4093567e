#pragma once

// Runs `tollgate apply`: reads the stored state through the API, plans, and makes the calls.

#include "client/api_client.h"
#include "client/apply_plan.h"
#include "client/desired_state.h"

#include <ostream>

namespace tollgate::client {

struct ApplyOptions {
    bool prune = false;    // delete stored objects that the file does not name
    bool dry_run = false;  // print the plan without changing anything
};

// Reads every stored object of the kinds that apply manages, with the members of every pool.
core::Result<StoredState> read_stored_state(ApiClient& api);

// Makes the stored state match `desired` and returns the exit code: 0 on success, 1 when a
// call failed or the plan has errors. Prints one line per action to `out` ("created
// listener web (id ...)", "updated pool app: lb_algorithm", "unchanged ...", "deleted ...")
// and a summary; warnings and errors go to `err`. The first failed call stops the run, and
// the calls made before it stay in effect.
int run_apply(ApiClient& api, const DesiredState& desired, const ApplyOptions& options, std::ostream& out,
              std::ostream& err);

}  // namespace tollgate::client
