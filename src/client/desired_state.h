#pragma once

// The resources that a configuration file describes, as API fields, for `tollgate apply`.

#include "client/api_client.h"
#include "client/resource_kind.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tollgate::client {

// A field whose value is the API id of another resource of the file, known only once that
// resource is matched or created.
struct Reference {
    Kind kind;
    std::string file_id;

    bool operator==(const Reference&) const = default;
};

struct DesiredResource {
    Kind kind;
    std::string file_id;  // the `id` of the file; for members, unique within the pool
    std::string name;     // the match key: the file's name, or its id when it has none
    Json fields;          // the fields the file gives, as the API names them, without references
    std::map<std::string, Reference> references;  // API field -> resource of the file

    // Members only: the pool of the file, and the address and port that identify the member.
    std::string pool_file_id;
    std::string address;
    int protocol_port = 0;
};

struct DesiredState {
    std::vector<DesiredResource> resources;  // grouped by kind in kApplyOrder, file order within
};

struct DesiredStateResult {
    DesiredState state;
    std::vector<std::string> errors;    // one line each, as the configuration loader formats them
    std::vector<std::string> warnings;  // likewise

    bool ok() const { return errors.empty(); }
};

// Validates `path` with model::load_config_file and collects the resources it describes.
// The errors are the loader's, plus names that two resources of one kind share.
//
// A resource is named by its name, or by its id when it has none, and that name is sent, so
// that the next run matches the stored resource again. certificate_file and
// private_key_file become `certificate` and `private_key` text. A pool's listener_id becomes
// the listener's default_pool_id, because the API cannot change the listener of a pool after
// it is created.
DesiredStateResult read_desired_state(const std::filesystem::path& path);

// Likewise for a document in memory; file references resolve against `base_dir`.
DesiredStateResult read_desired_state_text(const std::string& text, const std::filesystem::path& base_dir);

// Returns `address:port`, with IPv6 addresses in brackets, for messages about members.
std::string member_label(const std::string& address, int port);

// Returns the address in the canonical text form of inet_ntop, so that "::1" and "0:0::1"
// compare equal; other text is returned as it is.
std::string canonical_address(const std::string& address);

}  // namespace tollgate::client
