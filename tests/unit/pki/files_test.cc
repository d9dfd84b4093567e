#include "pki/files.h"

#include "pki_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace tollgate::pki {
namespace {

namespace fs = std::filesystem;

using test::file_mode;
using test::read_file;
using test::TempDir;

TEST(WriteOutputFiles, ModesOfSecretAndPublicFiles) {
    test::Umask022 umask;
    TempDir dir;
    auto written =
        write_output_files({{dir / "a.crt", "certificate\n", false}, {dir / "a.key", "key\n", true}}, false);
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(file_mode(dir / "a.crt"), 0644u);
    EXPECT_EQ(file_mode(dir / "a.key"), 0600u);
    EXPECT_EQ(read_file(dir / "a.crt"), "certificate\n");
    EXPECT_EQ(read_file(dir / "a.key"), "key\n");
}

TEST(WriteOutputFiles, CreatesParentDirectories) {
    TempDir dir;
    const auto path = dir / "one/two/a.key";
    auto written = write_output_files({{path, "key\n", true}}, false);
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(read_file(path), "key\n");
}

TEST(WriteOutputFiles, KeepsExistingFilesWithoutForce) {
    TempDir dir;
    test::write_file(dir / "a.key", "old\n");
    auto written =
        write_output_files({{dir / "a.crt", "new\n", false}, {dir / "a.key", "new\n", true}}, false);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().message,
              (dir / "a.key").string() + " already exists; use --force to replace it");
    EXPECT_EQ(written.error().kind, core::ErrorKind::InvalidInput);
    EXPECT_EQ(read_file(dir / "a.key"), "old\n");
    EXPECT_FALSE(fs::exists(dir / "a.crt"));  // nothing is written when one output exists
}

TEST(WriteOutputFiles, NamesEveryExistingFile) {
    TempDir dir;
    test::write_file(dir / "a.crt", "old\n");
    test::write_file(dir / "a.key", "old\n");
    auto written =
        write_output_files({{dir / "a.crt", "new\n", false}, {dir / "a.key", "new\n", true}}, false);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().message, (dir / "a.crt").string() + ", " + (dir / "a.key").string() +
                                           " already exist; use --force to replace them");
}

TEST(WriteOutputFiles, ForceReplacesWithSecretMode) {
    test::Umask022 umask;
    TempDir dir;
    test::write_file(dir / "a.key", "old\n");
    ASSERT_EQ(::chmod((dir / "a.key").c_str(), 0644), 0);

    auto written = write_output_files({{dir / "a.key", "new\n", true}}, true);
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(read_file(dir / "a.key"), "new\n");
    EXPECT_EQ(file_mode(dir / "a.key"), 0600u);
    // No temporary file is left behind.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(WriteOutputFiles, DoesNotFollowSymlinks) {
    TempDir dir;
    test::write_file(dir / "target", "target\n");
    fs::create_symlink(dir / "target", dir / "a.key");

    auto written = write_output_files({{dir / "a.key", "new\n", true}}, false);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().message,
              (dir / "a.key").string() + " already exists; use --force to replace it");

    ASSERT_TRUE(write_output_files({{dir / "a.key", "new\n", true}}, true));
    EXPECT_EQ(read_file(dir / "target"), "target\n");
    EXPECT_FALSE(fs::is_symlink(dir / "a.key"));
    EXPECT_EQ(read_file(dir / "a.key"), "new\n");
}

TEST(WriteOutputFiles, RejectsDirectory) {
    TempDir dir;
    fs::create_directory(dir / "a.key");
    for (bool force : {false, true}) {
        auto written = write_output_files({{dir / "a.key", "new\n", true}}, force);
        ASSERT_FALSE(written);
        EXPECT_EQ(written.error().message,
                  (dir / "a.key").string() + " is a directory; choose another output path");
    }
}

TEST(WriteOutputFiles, RemovesWrittenFilesOnFailure) {
    TempDir dir;
    test::write_file(dir / "blocker", "a file where a directory must go\n");
    auto written = write_output_files(
        {{dir / "a.crt", "new\n", false}, {dir / "blocker/sub/a.key", "new\n", true}}, false);
    ASSERT_FALSE(written);
    EXPECT_TRUE(written.error().message.starts_with("creating the directory " +
                                                    (dir / "blocker/sub").string() + " failed: "))
        << written.error().message;
    EXPECT_FALSE(fs::exists(dir / "a.crt"));
}

TEST(ReadSmallFile, MissingFile) {
    TempDir dir;
    auto read = read_small_file(dir / "missing.crt", "CA certificate");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().message, "reading the CA certificate " + (dir / "missing.crt").string() +
                                        " failed: No such file or directory");
}

TEST(ReadSmallFile, RejectsLargeFile) {
    TempDir dir;
    test::write_file(dir / "big", std::string(kMaxInputFileBytes + 1, 'x'));
    auto read = read_small_file(dir / "big", "certificate");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().message,
              "the certificate " + (dir / "big").string() + " is larger than 1048576 bytes");
}

}  // namespace
}  // namespace tollgate::pki
