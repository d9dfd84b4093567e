#include "pki/password.h"

#include "pki_test_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>

namespace tollgate::pki {
namespace {

using test::TempDir;

TEST(ReadPasswordFile, FirstLineWithoutLineEnding) {
    TempDir dir;
    test::write_file(dir / "lf", "secret one\nsecond line\n");
    test::write_file(dir / "crlf", "secret two\r\n");
    test::write_file(dir / "bare", "secret three");
    EXPECT_EQ(read_password_file(dir / "lf").value(), "secret one");
    EXPECT_EQ(read_password_file(dir / "crlf").value(), "secret two");
    EXPECT_EQ(read_password_file(dir / "bare").value(), "secret three");
}

TEST(ReadPasswordFile, RejectsEmptyFirstLine) {
    TempDir dir;
    for (const char* content : {"", "\n", "\r\nsecret\n"}) {
        test::write_file(dir / "empty", content);
        auto password = read_password_file(dir / "empty");
        ASSERT_FALSE(password) << content;
        EXPECT_EQ(password.error().message, "the password file " + (dir / "empty").string() +
                                                " is empty; write the password on its first line");
    }
}

TEST(ReadPasswordFile, MissingFile) {
    TempDir dir;
    auto password = read_password_file(dir / "missing");
    ASSERT_FALSE(password);
    EXPECT_EQ(password.error().message, "reading the password file " + (dir / "missing").string() +
                                            " failed: No such file or directory");
}

TEST(PasswordFromEnvironment, UnsetEmptyAndSet) {
    ::unsetenv(kPasswordVariable);
    EXPECT_FALSE(password_from_environment());
    ::setenv(kPasswordVariable, "", 1);
    EXPECT_FALSE(password_from_environment());
    ::setenv(kPasswordVariable, "from the environment", 1);
    EXPECT_EQ(password_from_environment().value_or(""), "from the environment");
    ::unsetenv(kPasswordVariable);
}

TEST(GeneratePassword, LettersAndDigits) {
    auto first = generate_password();
    auto second = generate_password();
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(first->size(), kGeneratedPasswordLength);
    EXPECT_TRUE(std::all_of(first->begin(), first->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c));
    })) << *first;
    EXPECT_NE(*first, *second);
}

TEST(GeneratePassword, UsesWholeAlphabet) {
    std::string characters;
    for (int i = 0; i < 100; ++i) {
        characters += generate_password().value();
    }
    std::sort(characters.begin(), characters.end());
    characters.erase(std::unique(characters.begin(), characters.end()), characters.end());
    // 2400 draws miss one of the 62 characters with probability below 62 * (61/62)^2400, about 1e-15.
    EXPECT_EQ(characters.size(), 62u) << characters;
}

}  // namespace
}  // namespace tollgate::pki
