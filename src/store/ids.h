#pragma once

// Identifiers and timestamps of stored resources, in the formats of the ELB v3 API.

#include <chrono>
#include <string>

namespace tollgate::store {

// Returns a random RFC 4122 version 4 UUID with dashes, e.g.
// "3d1c5e0a-8f4b-4c2e-9a6d-0b7e2f1a9c33". The bytes come from RAND_bytes.
std::string new_uuid();

// Returns 32 random lowercase hex characters, the id format of ELB certificates.
std::string new_certificate_id();

// Formats a time as RFC 3339 in UTC with second precision: "2021-07-30T12:03:44Z".
std::string format_timestamp(std::chrono::system_clock::time_point time);

}  // namespace tollgate::store
