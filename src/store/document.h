#pragma once

// The values the store reads and writes: resources as generic documents, the references
// between them, and list queries.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::store {

// Members have default initializers so that designated initializers may omit them
// without -Wmissing-field-initializers.

// One stored resource. The store keeps `body` as an opaque JSON object; mapping API
// fields to and from it is the caller's work. Secrets never go into `body`: they are
// stored sealed with Transaction::put_secret().
struct Document {
    std::string kind{};  // resource type, e.g. "certificate", "listener", "member"
    std::string project_id{};
    std::string id{};
    std::optional<std::string> parent_id{};  // owning resource, e.g. the pool of a member
    std::string name{};
    std::string body = "{}";   // JSON object as text
    std::string created_at{};  // RFC 3339 UTC, set by insert()
    std::string updated_at{};  // RFC 3339 UTC, set by insert() and update()

    bool operator==(const Document&) const = default;
};

// A reference that a document makes to another resource of the same project through one
// body field. A field with a list of ids gives one reference per id.
struct OutgoingReference {
    std::string field{};     // e.g. "default_tls_container_ref"
    std::string ref_kind{};  // e.g. "certificate"
    std::string ref_id{};

    bool operator==(const OutgoingReference&) const = default;
};

// A stored reference: resource kind/id of project_id refers to ref_kind/ref_id in `field`.
struct Reference {
    std::string kind{};
    std::string project_id{};
    std::string id{};
    std::string field{};
    std::string ref_kind{};
    std::string ref_id{};

    bool operator==(const Reference&) const = default;
};

inline constexpr std::size_t kMaxListLimit = 2000;

// One page of a list request, with the pagination rules of the ELB v3 API. Documents are
// ordered by insertion.
struct ListQuery {
    std::optional<std::string> parent_id{};  // only documents with this parent
    std::size_t limit = kMaxListLimit;       // 0 to kMaxListLimit documents per page
    // Id of the last document of the previous page; the page starts after it. With
    // page_reverse, the id of the first document of the current page, and the page ends
    // before it. Without a marker, the first page, or with page_reverse the last one.
    std::optional<std::string> marker{};
    bool page_reverse = false;
    // Filter on body fields, applied before `limit` so that pages stay full. Empty means
    // every document matches.
    std::function<bool(const Document&)> filter{};
};

struct Page {
    std::vector<Document> documents{};  // in insertion order, also with page_reverse
    // Another matching document exists past this page in the direction of the query:
    // after the last document, or with page_reverse before the first.
    bool has_more = false;
};

}  // namespace tollgate::store
