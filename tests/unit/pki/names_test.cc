#include "pki/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tollgate::pki {
namespace {

constexpr const char* kDnsHint =
    ": use labels of letters, digits and inner hyphens separated by dots, optionally starting with \"*.\", "
    "without a trailing dot, and internationalized names in their \"xn--\" form";

TEST(CheckDnsName, AcceptsHostNames) {
    for (const char* name : {"localhost", "www.test.com", "a-b.example", "*.example.com",
                             "xn--bcher-kva.example", "EXAMPLE.com", "1a.example"}) {
        EXPECT_TRUE(check_dns_name(name)) << name;
    }
    EXPECT_TRUE(check_dns_name(std::string(63, 'a') + ".example"));
}

TEST(CheckDnsName, RejectsMalformedNames) {
    const std::vector<std::string> names = {"",
                                            "-a.example",
                                            "a-.example",
                                            "a..example",
                                            "example.com.",
                                            "a_b.example",
                                            "a b.example",
                                            "a.*.example",
                                            "*",
                                            "*.",
                                            "bücher.example",
                                            "a.example,IP:10.0.0.1",
                                            std::string(64, 'a') + ".example"};
    for (const std::string& name : names) {
        auto checked = check_dns_name(name);
        ASSERT_FALSE(checked) << name;
        EXPECT_EQ(checked.error().message, "invalid DNS name \"" + name + "\"" + kDnsHint);
        EXPECT_EQ(checked.error().kind, core::ErrorKind::InvalidInput);
    }
}

TEST(CheckDnsName, RejectsTooLong) {
    std::string name;
    while (name.size() < 254) {
        name += "abcdefghi.";
    }
    name.resize(254);
    name.back() = 'x';
    auto checked = check_dns_name(name);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().message,
              "invalid DNS name \"" + name + "\": it has 254 characters; the maximum is 253");
}

TEST(CheckDnsName, PointsIpAddressesToIp) {
    for (const char* address : {"127.0.0.1", "::1"}) {
        auto checked = check_dns_name(address);
        ASSERT_FALSE(checked) << address;
        EXPECT_EQ(checked.error().message,
                  std::string("\"") + address + "\" is an IP address, not a DNS name: pass it with --ip");
    }
}

TEST(ParseIpAddress, Ipv4AndIpv6) {
    EXPECT_EQ(parse_ip_address("127.0.0.1").value(), (std::vector<unsigned char>{127, 0, 0, 1}));
    std::vector<unsigned char> loopback(16, 0);
    loopback[15] = 1;
    EXPECT_EQ(parse_ip_address("::1").value(), loopback);
    EXPECT_EQ(parse_ip_address("2001:db8::5").value().size(), 16u);
}

TEST(ParseIpAddress, RejectsMalformed) {
    for (const char* text : {"", "localhost", "256.0.0.1", "1.2.3", "::g", "[::1]", "127.0.0.1/8"}) {
        auto parsed = parse_ip_address(text);
        ASSERT_FALSE(parsed) << text;
        EXPECT_EQ(parsed.error().message,
                  std::string("invalid IP address \"") + text +
                      "\": use an IPv4 address such as 127.0.0.1 or an IPv6 address such as ::1");
    }
}

TEST(CheckCommonName, Accepts64Characters) {
    EXPECT_TRUE(check_common_name("tollgate client"));
    EXPECT_TRUE(check_common_name(std::string(64, 'c')));
    // 64 characters of two bytes each.
    std::string accented;
    for (int i = 0; i < 64; ++i) {
        accented += "é";
    }
    EXPECT_TRUE(check_common_name(accented));
}

TEST(CheckCommonName, RejectsEmptyLongAndControl) {
    auto empty = check_common_name("");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message, "the common name is empty");

    const std::string long_name(65, 'c');
    auto too_long = check_common_name(long_name);
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().message,
              "the common name \"" + long_name + "\" has 65 characters; the maximum is 64");

    auto control = check_common_name("a\nb");
    ASSERT_FALSE(control);
    EXPECT_EQ(control.error().message, "the common name contains a control character");
}

}  // namespace
}  // namespace tollgate::pki
