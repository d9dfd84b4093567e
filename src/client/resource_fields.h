#pragma once

// The command-line flags of the resource commands (`tollgate listener create --port 443 ...`)
// and the conversion of their values into API fields.

#include "client/api_client.h"
#include "client/resource_kind.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::client {

enum class FlagType {
    Text,           // sent as a string
    Integer,        // a whole number
    Boolean,        // true or false
    Reference,      // the id or name of another resource; "" clears it on update
    PemFile,        // a file whose text is sent
    InsertHeaders,  // repeated NAME=VALUE, merged into the insert_headers object
};

struct FieldSpec {
    std::string flags;  // CLI11 option names, the first one shown in help: "--port,--protocol-port"
    std::string field;  // API field: "protocol_port"
    FlagType type = FlagType::Text;
    Kind target = Kind::Certificate;  // Reference only: the kind referred to
    bool required_on_create = false;
    bool updatable = true;             // false: the API cannot change the field, so update has no flag
    bool creatable = true;             // false: the field exists on update only
    std::vector<std::string> choices;  // allowed values; empty for any
    std::string help;
};

// Returns the flags of `kind`, in the order `--help` shows them.
const std::vector<FieldSpec>& resource_fields(Kind kind);

// The values given on the command line, by API field, as typed.
struct FlagValues {
    std::map<std::string, std::string> fields;
    std::vector<std::string> insert_headers;  // NAME=VALUE, in the order given
};

// Finds resources by id or name. A text matches a resource whose id is that text, else the
// resources whose name is that text; members also match "address:port".
class NameResolver {
public:
    explicit NameResolver(ApiClient& api) : api_(api) {}

    // Returns the object that `text` names, or NotFound when none does, or InvalidInput when
    // several resources share the name.
    core::Result<Json> find(Kind kind, const std::string& text, const std::string& pool_id = {});
    core::Result<std::string> resolve(Kind kind, const std::string& text, const std::string& pool_id = {});

private:
    ApiClient& api_;
};

// Reads what needs no API call: the PEM files and the insert_headers syntax. The result has
// every field except references, which resolve_references() adds. `stored` is the current
// object on update (its insert_headers are kept where no flag changes them), null on create.
// Errors are InvalidInput and name the flag and the value.
core::Result<Json> convert_flag_values(Kind kind, const FlagValues& values, const Json* stored);

// Adds the reference fields of `values` to `fields`, resolving names to ids. An empty value
// becomes null, which clears the reference.
core::Result<void> resolve_references(Kind kind, const FlagValues& values, NameResolver& resolver,
                                      Json& fields);

// Largest PEM file read for --certificate and --private-key; the API accepts at most 65536
// characters of certificate text.
inline constexpr std::size_t kMaxPemFileBytes = 1024 * 1024;

}  // namespace tollgate::client
