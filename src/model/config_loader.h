#pragma once

#include "model/resources.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::model {

// One problem found in a configuration document. `resource` names the collection and id
// ("listeners[web]", "pools[app].members[1]"), or is empty for the document itself.
struct ConfigError {
    std::string resource;
    std::string field;                 // "protocol_port", "insert_headers.X-Real-IP"; may be empty
    std::string problem;               // "invalid value", "missing required field", ...
    std::optional<std::string> value;  // the value given, absent when there is none to show
    std::string fix;                   // what to change; may be empty

    // Formats the error as one line, `<resource>.<field>: <problem> "<value>": <fix>`, e.g.
    // `listeners[web].protocol_port: invalid value "0": use a whole number from 1 to 65535`.
    // Parts that are empty or absent are left out together with their separator. Control
    // characters and quotes in the value are escaped, so the result is always one line.
    std::string to_string() const;
};

struct LoadResult {
    Config config;                      // meaningful only when errors is empty
    std::vector<ConfigError> errors;    // every problem found, not only the first
    std::vector<std::string> warnings;  // formatted like ConfigError::to_string()

    bool ok() const { return errors.empty(); }
};

// Reads a YAML or JSON document (JSON is a subset of YAML) from `path`. File references such
// as certificate_file resolve relative to the folder of `path`.
LoadResult load_config_file(const std::filesystem::path& path);

// Parses a document already in memory; relative file references resolve against `base_dir`.
LoadResult load_config_text(const std::string& text, const std::filesystem::path& base_dir);

}  // namespace tollgate::model
