#pragma once

#include "model/resources.h"

#include <filesystem>
#include <string>
#include <vector>

namespace tollgate::model {

// One problem found in a configuration document. `resource` names the collection and id
// ("listeners[web]"), `field` the offending field, `value` what was given, `fix` what to do.
struct ConfigError {
    std::string resource;
    std::string field;
    std::string value;
    std::string fix;

    // Formats the error as one line: `listeners[web].protocol_port: invalid value "0": use 1-65535`.
    std::string to_string() const;
};

struct LoadResult {
    Config config;                    // meaningful only when errors is empty
    std::vector<ConfigError> errors;  // every problem found, not only the first
    std::vector<std::string> warnings;
};

// Reads a YAML or JSON document (JSON is a subset of YAML) from `path`. File references such
// as certificate_file resolve relative to the folder of `path`.
LoadResult load_config_file(const std::filesystem::path& path);

// Parses a document already in memory; relative file references resolve against `base_dir`.
LoadResult load_config_text(const std::string& text, const std::filesystem::path& base_dir);

}  // namespace tollgate::model
