#include "contract_test_support.h"

namespace tollgate::control::test {
namespace {

using nlohmann::json;

// Lists, filters and pages through listeners in detail. CollectionListTest at the end repeats
// the main checks on every collection.
class ListingTest : public ContractTest {
protected:
    void SetUp() override {
        ContractTest::SetUp();
        lb_ = create_loadbalancer();
        other_lb_ = create_loadbalancer({{"vip_address", "127.0.0.2"}});
        ids_.push_back(create_listener(lb_, 8001, {{"name", "a"}}));
        ids_.push_back(create_listener(lb_, 8002, {{"name", "b"}, {"keepalive_timeout", 30}}));
        ids_.push_back(create_listener(other_lb_, 8001, {{"name", "a"}}));
        ids_.push_back(create_listener(other_lb_, 8004, {{"name", "c"}}));
    }

    std::vector<std::string> listed(const std::string& query) {
        Reply reply = call("GET", path("/listeners" + query));
        EXPECT_EQ(reply.status, 200) << query << " " << reply.body.dump();
        return ids_of(reply.body["listeners"]);
    }

    std::string lb_;
    std::string other_lb_;
    std::vector<std::string> ids_;
};

TEST_F(ListingTest, ListHasEnvelopeAndPageInfo) {
    Reply reply = call("GET", path("/listeners"));

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(ids_of(reply.body["listeners"]), ids_);
    EXPECT_EQ(reply.body["page_info"], json({{"previous_marker", ids_[0]}, {"current_count", 4}}));
    EXPECT_TRUE(reply.body.contains("request_id"));
    EXPECT_EQ(reply.body["listeners"][1]["keepalive_timeout"], 30);
}

TEST_F(ListingTest, FilterOnOneField) {
    EXPECT_EQ(listed("?name=a"), (std::vector<std::string>{ids_[0], ids_[2]}));
    EXPECT_EQ(listed("?protocol_port=8004"), std::vector<std::string>{ids_[3]});
    EXPECT_EQ(listed("?keepalive_timeout=30"), std::vector<std::string>{ids_[1]});
    EXPECT_EQ(listed("?loadbalancer_id=" + other_lb_), (std::vector<std::string>{ids_[2], ids_[3]}));
    EXPECT_EQ(listed("?id=" + ids_[1]), std::vector<std::string>{ids_[1]});
    EXPECT_EQ(listed("?http2_enable=false").size(), 4u);
    EXPECT_EQ(listed("?default_pool_id=null").size(), 4u);
    EXPECT_EQ(listed("?name=zzz"), std::vector<std::string>{});
}

TEST_F(ListingTest, RepeatedParameterMatchesAnyValue) {
    EXPECT_EQ(listed("?name=b&name=c"), (std::vector<std::string>{ids_[1], ids_[3]}));
    EXPECT_EQ(listed("?id=" + ids_[3] + "&id=" + ids_[0]), (std::vector<std::string>{ids_[0], ids_[3]}));
}

TEST_F(ListingTest, DifferentParametersMustAllMatch) {
    EXPECT_EQ(listed("?name=a&protocol_port=8001"), (std::vector<std::string>{ids_[0], ids_[2]}));
    EXPECT_EQ(listed("?name=a&loadbalancer_id=" + lb_), std::vector<std::string>{ids_[0]});
    EXPECT_EQ(listed("?name=a&name=c&loadbalancer_id=" + other_lb_),
              (std::vector<std::string>{ids_[2], ids_[3]}));
    EXPECT_EQ(listed("?name=b&protocol_port=8001"), std::vector<std::string>{});
}

TEST_F(ListingTest, PagesForwardWithMarker) {
    Reply first = call("GET", path("/listeners?limit=2"));
    Reply second = call("GET", path("/listeners?limit=2&marker=" + ids_[1]));

    ASSERT_EQ(first.status, 200) << first.body.dump();
    EXPECT_EQ(ids_of(first.body["listeners"]), (std::vector<std::string>{ids_[0], ids_[1]}));
    EXPECT_EQ(first.body["page_info"],
              json({{"previous_marker", ids_[0]}, {"next_marker", ids_[1]}, {"current_count", 2}}));
    ASSERT_EQ(second.status, 200) << second.body.dump();
    EXPECT_EQ(ids_of(second.body["listeners"]), (std::vector<std::string>{ids_[2], ids_[3]}));
    EXPECT_EQ(second.body["page_info"], json({{"previous_marker", ids_[2]}, {"current_count", 2}}));
}

TEST_F(ListingTest, PagesBackwardWithPageReverse) {
    Reply back = call("GET", path("/listeners?limit=2&page_reverse=true&marker=" + ids_[2]));
    Reply last = call("GET", path("/listeners?limit=1&page_reverse=true"));

    ASSERT_EQ(back.status, 200) << back.body.dump();
    EXPECT_EQ(ids_of(back.body["listeners"]), (std::vector<std::string>{ids_[0], ids_[1]}));
    EXPECT_EQ(back.body["page_info"],
              json({{"previous_marker", ids_[0]}, {"next_marker", ids_[1]}, {"current_count", 2}}));
    EXPECT_EQ(ids_of(last.body["listeners"]), std::vector<std::string>{ids_[3]});
}

TEST_F(ListingTest, FilterAppliesBeforeLimit) {
    Reply page = call("GET", path("/listeners?name=a&limit=1"));
    Reply next = call("GET", path("/listeners?name=a&limit=1&marker=" + ids_[0]));

    EXPECT_EQ(ids_of(page.body["listeners"]), std::vector<std::string>{ids_[0]});
    EXPECT_EQ(page.body["page_info"]["next_marker"], ids_[0]);
    EXPECT_EQ(ids_of(next.body["listeners"]), std::vector<std::string>{ids_[2]});
    EXPECT_FALSE(next.body["page_info"].contains("next_marker"));
}

TEST_F(ListingTest, LimitZeroReturnsNoItems) {
    Reply reply = call("GET", path("/listeners?limit=0"));

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["listeners"], json::array());
    EXPECT_EQ(reply.body["page_info"]["current_count"], 0);
}

TEST_F(ListingTest, InvalidParametersAreRejected) {
    const std::string missing = "00000000-0000-4000-8000-000000000000";
    const std::string member_pool = create_pool({{"loadbalancer_id", lb_}});
    const std::string member = create_member(member_pool, "127.0.0.1", 9001);
    const std::string other_pool = create_pool({{"loadbalancer_id", lb_}});
    struct Case {
        std::string path;
        std::string message;
    };
    const std::vector<Case> cases{
        {"/listeners?limit=2001", "limit: invalid value \"2001\": use a whole number from 0 to 2000"},
        {"/listeners?limit=-1", "limit: invalid value \"-1\": use a whole number from 0 to 2000"},
        {"/listeners?limit=ten", "limit: invalid value \"ten\": use a whole number from 0 to 2000"},
        {"/listeners?marker=" + missing,
         "marker: invalid value \"" + missing +
             "\": use the id of a listener in this list, such as next_marker of the previous page"},
        {"/listeners?marker=" + lb_,
         "marker: invalid value \"" + lb_ +
             "\": use the id of a listener in this list, such as next_marker of the previous page"},
        {"/pools/" + other_pool + "/members?marker=" + member,
         "marker: invalid value \"" + member +
             "\": use the id of a member in this list, such as next_marker of the previous page"},
        {"/listeners?marker=",
         "marker: invalid value \"\": use the id of the last resource of the previous page"},
        {"/listeners?page_reverse=yes", "page_reverse: invalid value \"yes\": use true or false"},
        {"/listeners?colour=red",
         "colour: unknown query parameter: use limit, marker, page_reverse or a field of the response"},
        {"/listeners?tags=a",
         "tags: cannot filter on a list field: use a field with a single value, such as id"},
        {"/listeners?insert_headers=a",
         "insert_headers: cannot filter on an object field: use a field with a single value, such as id"},
    };
    for (const auto& test : cases) {
        Reply reply = call("GET", path(test.path));
        EXPECT_EQ(reply.status, 400) << test.path;
        EXPECT_EQ(reply.body["error_code"], "ELB.8902") << test.path;
        EXPECT_EQ(reply.message(), test.message);
    }
    EXPECT_EQ(call("GET", path("/members?marker=" + member)).status, 200);
}

TEST_F(ListingTest, OtherProjectListsNothing) {
    for (const char* collection : {"loadbalancers", "listeners", "pools", "members"}) {
        Reply reply = call("GET", project_path(kOtherProject, std::string("/") + collection));
        EXPECT_EQ(reply.status, 200) << collection;
        EXPECT_EQ(reply.body[collection], json::array()) << collection;
        EXPECT_EQ(reply.body["page_info"], json({{"current_count", 0}})) << collection;
    }
    Reply marker = call("GET", project_path(kOtherProject, "/listeners?marker=" + ids_[0]));
    EXPECT_EQ(marker.status, 400);
}

TEST_F(ListingTest, MissingOrWrongTokenIsUnauthorized) {
    const State before = state();
    const json body{{"listener", {{"loadbalancer_id", lb_}, {"protocol", "HTTP"}, {"protocol_port", 9999}}}};
    const std::vector<std::pair<std::string, std::string>> requests{
        {"GET", path("/listeners")},
        {"GET", path("/listeners/" + ids_[0])},
        {"POST", path("/listeners")},
        {"PUT", path("/listeners/" + ids_[0])},
        {"DELETE", path("/listeners/" + ids_[0])},
        {"GET", path("/loadbalancers/" + lb_ + "/statuses")},
        {"GET", path("/system-security-policies")},
    };
    for (const auto& [method, target] : requests) {
        const json& sent = method == "POST" || method == "PUT" ? body : json(nullptr);
        for (const std::optional<std::string>& token :
             {std::optional<std::string>(), std::optional<std::string>("wrong")}) {
            Reply reply = call_with_token(method, target, token, sent);
            EXPECT_EQ(reply.status, 401) << method << " " << target;
            EXPECT_EQ(reply.body["error_code"], "ELB.1103");
            EXPECT_EQ(reply.body["error_msg"],
                      "The X-Auth-Token header is missing or invalid. Send the admin token.");
            EXPECT_EQ(reply.body["request_id"].get<std::string>().size(), 32u);
        }
    }
    expect_unchanged(before);
}

// The list rules of every collection, each with three items named a, b and a.
class CollectionListTest : public ContractTest, public ::testing::WithParamInterface<std::string> {
protected:
    void SetUp() override {
        ContractTest::SetUp();
        const std::string lb = create_loadbalancer();
        const std::string pool = create_pool({{"loadbalancer_id", lb}});
        const std::string& collection = GetParam();
        for (int i = 0; i < 3; ++i) {
            const std::string name = i == 1 ? "b" : "a";
            if (collection == "loadbalancers") {
                ids_.push_back(create_loadbalancer({{"name", name}, {"vip_address", "127.0.0.2"}}));
            } else if (collection == "listeners") {
                ids_.push_back(create_listener(lb, 8001 + i, {{"name", name}}));
            } else if (collection == "pools") {
                ids_.push_back(create_pool({{"name", name}}));
            } else {
                ids_.push_back(
                    create("/pools/" + pool + "/members", "member",
                           {{"name", name}, {"address", "127.0.0.1"}, {"protocol_port", 9001 + i}}));
            }
        }
        if (collection == "loadbalancers") {
            ids_.insert(ids_.begin(), lb);
        } else if (collection == "pools") {
            ids_.insert(ids_.begin(), pool);
        }
    }

    Reply list(const std::string& query) { return call("GET", path("/" + GetParam() + query)); }

    std::vector<std::string> ids_;  // every item of the collection, in creation order
};

TEST_P(CollectionListTest, FiltersAndPages) {
    const std::string& collection = GetParam();
    const std::string noun =
        collection == "loadbalancers" ? "load balancer" : collection.substr(0, collection.size() - 1);
    const std::vector<std::string> named(ids_.end() - 3, ids_.end());

    Reply all = list("");
    Reply either = list("?name=a&name=b");
    Reply both = list("?name=a&id=" + named[2]);
    Reply first = list("?limit=2");
    Reply rest = list("?limit=2&marker=" + ids_[1]);
    Reply back = list("?limit=1&page_reverse=true&marker=" + ids_[1]);
    Reply unknown = list("?marker=00000000-0000-4000-8000-000000000000");
    Reply too_many = list("?limit=2001");

    ASSERT_EQ(all.status, 200) << all.body.dump();
    EXPECT_EQ(ids_of(all.body[collection]), ids_);
    EXPECT_EQ(all.body["page_info"]["current_count"], ids_.size());
    EXPECT_EQ(ids_of(either.body[collection]), named);
    EXPECT_EQ(ids_of(both.body[collection]), std::vector<std::string>{named[2]});
    EXPECT_EQ(ids_of(first.body[collection]), (std::vector<std::string>{ids_[0], ids_[1]}));
    EXPECT_EQ(first.body["page_info"]["next_marker"], ids_[1]);
    EXPECT_EQ(ids_of(rest.body[collection]), std::vector<std::string>(ids_.begin() + 2, ids_.end()));
    EXPECT_EQ(ids_of(back.body[collection]), std::vector<std::string>{ids_[0]});
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.message(),
              "marker: invalid value \"00000000-0000-4000-8000-000000000000\": use the id of a " + noun +
                  " in this list, such as next_marker of the previous page");
    EXPECT_EQ(too_many.status, 400);
    EXPECT_EQ(too_many.message(), "limit: invalid value \"2001\": use a whole number from 0 to 2000");
}

INSTANTIATE_TEST_SUITE_P(Collections, CollectionListTest,
                         ::testing::Values("loadbalancers", "listeners", "pools", "members"));

}  // namespace
}  // namespace tollgate::control::test
