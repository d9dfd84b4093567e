#pragma once

// The planner of `tollgate apply`: compares the resources of a file with the stored ones and
// returns the ordered list of API calls that makes the store match the file. Pure: it makes
// no calls itself.

#include "client/api_client.h"
#include "client/desired_state.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tollgate::client {

struct StoredState {
    std::map<Kind, std::vector<Json>> objects;         // every kind except members
    std::map<std::string, std::vector<Json>> members;  // stored pool id -> its members
};

enum class ActionType { Create, Update, Unchanged, Delete };

struct Action {
    ActionType type;
    Kind kind;
    std::string label;                            // the name, or address:port for members
    std::string file_id;                          // Create, Update, Unchanged: the resource of the file
    std::string stored_id;                        // Update, Unchanged, Delete: the stored object
    Json fields = Json::object();                 // Create: every field; Update: the changed ones
    std::map<std::string, Reference> references;  // fields set to the API id of a file resource
    std::vector<std::string> changed;             // Update: the names of the changed fields

    // Members only. A member to create names the pool of the file; the others name the
    // stored pool.
    std::string pool_file_id;
    std::string stored_pool_id;
    std::string pool_label;
};

using ResourceKey = std::pair<Kind, std::string>;  // kind and file id

struct Plan {
    std::vector<Action> actions;
    std::map<ResourceKey, std::string> matched_ids;  // file resources that have a stored object
    std::vector<std::string> errors;                 // conflicts that stop apply before any call
};

// Matches each resource of the file to the stored object of its kind with the same name.
// Members match by address and protocol_port within the matched pool. The plan lists, in the
// order of kApplyOrder, a Create for each unmatched resource and an Update or Unchanged for
// each matched one. With `prune`, a Delete follows for every stored object that nothing in
// the file matches, in reverse order: health monitors, members, listeners, pools, load
// balancers, certificates.
//
// Only the fields the file gives are compared, and a field the API does not return is not
// compared. An object field (insert_headers) is compared by the keys the file gives, and an
// update sends the stored object with those keys replaced, because the API replaces the
// whole object. Certificates compare `certificate` after normalize_pem(); when it differs, the
// update sends the private key with it. A difference in a field the API cannot change
// (certificate type; listener protocol, protocol_port and loadbalancer_id; pool protocol and
// loadbalancer_id; health monitor pool_id) is an error, as are several stored objects with
// the name of a file resource.
Plan plan_apply(const DesiredState& desired, const StoredState& stored, bool prune);

// Returns "listener web", or "member 10.0.0.5:80 in pool app", for messages.
std::string describe_action(const Action& action);

// Returns PEM text with CRLF line ends as LF and the surrounding whitespace removed.
std::string normalize_pem(std::string_view text);

}  // namespace tollgate::client
