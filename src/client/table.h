#pragma once

// Human-readable output of API objects: one row per object for lists, one row per field for
// a single object.

#include "client/api_client.h"
#include "client/resource_kind.h"

#include <string>
#include <vector>

namespace tollgate::client {

// Aligns `rows` in columns separated by two spaces, the first row being the header. Widths
// count UTF-8 characters. Lines end with the last cell, without trailing spaces.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// Renders one value for a table cell: "-" for null, absent or empty values, the ids joined
// by commas for a list of {"id": ...} references, compact JSON for other lists and objects.
// Control characters are replaced by '?' so that a stored name cannot move the cursor.
std::string format_cell(const Json& value);

// Formats a list with the key columns of `kind`, such as ID, NAME, PROTOCOL and
// PROTOCOL_PORT for listeners.
std::string format_list(Kind kind, const std::vector<Json>& objects);

// Formats an object as FIELD/VALUE rows in the order of its keys. Nested objects become
// dotted fields (insert_headers.X-Real-IP), and PEM text is summarised by its block count,
// since -o json prints it whole.
std::string format_object(const Json& object);

}  // namespace tollgate::client
