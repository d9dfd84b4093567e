#pragma once

// Converts the YAML of a configuration file into the JSON values that the API expects.
// The file has been validated by model::load_config_file before, so the conversion only
// decides types and never reports errors.

#include "client/api_client.h"

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace tollgate::client {

// Returns the entries of a mapping with YAML merge keys (`<<: *defaults`) expanded, as the
// configuration loader does: keys written in the mapping win over merged ones, and an
// earlier merged mapping wins over a later one. Entries with a null value are left out,
// because the loader counts a null field as absent.
std::vector<std::pair<std::string, YAML::Node>> mapping_entries(const YAML::Node& mapping);

// Converts the value of field `key` to the JSON type the API expects. Integer and boolean
// fields (protocol_port, delay, enable_member_retry, ...) are converted even when quoted in
// the file. Text fields (name, description, expected_codes, ...) stay strings even when they
// look like numbers. Other plain scalars are typed as YAML 1.2 reads them. The keys of
// insert_headers are booleans, except the "-alias" keys and X-Forwarded-For-Processing-Mode.
Json field_to_json(std::string_view key, const YAML::Node& value);

}  // namespace tollgate::client
