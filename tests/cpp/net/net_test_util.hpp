#pragma once
// Helpers shared by the networking tests: a private temporary directory (TEST_TMPDIR under Bazel), a
// self-signed certificate made with the OpenSSL API, and the port a listening/bound socket got.

#include <coro/coro.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>

#ifdef LIBCORO_FEATURE_TLS
    #include <openssl/evp.h>
    #include <openssl/pem.h>
    #include <openssl/x509.h>
#endif

namespace net_test
{
/// A fresh directory, removed with its contents on destruction.
class temp_dir
{
public:
    temp_dir()
    {
        const char* base = std::getenv("TEST_TMPDIR");
        std::string tmpl = std::string{(base != nullptr && *base != '\0') ? base : "/tmp"} + "/gocoro-net-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr)
        {
            throw std::runtime_error{"mkdtemp failed for " + tmpl};
        }
        m_path = tmpl;
    }
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    temp_dir(const temp_dir&)                    = delete;
    auto operator=(const temp_dir&) -> temp_dir& = delete;

    auto path() const -> const std::filesystem::path& { return m_path; }

private:
    std::filesystem::path m_path;
};

#ifdef LIBCORO_FEATURE_TLS
/// Writes a self-signed certificate (CN=localhost, EC P-256, SHA-256, valid one year) and its unencrypted
/// private key as PEM files.
inline auto make_self_signed(const std::filesystem::path& cert_path, const std::filesystem::path& key_path) -> void
{
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509*     x   = X509_new();
    if (key == nullptr || x == nullptr)
    {
        throw std::runtime_error{"cannot allocate key/certificate"};
    }
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    if (X509_sign(x, key, EVP_sha256()) == 0)
    {
        throw std::runtime_error{"X509_sign failed"};
    }
    FILE* cf = std::fopen(cert_path.c_str(), "w");
    FILE* kf = std::fopen(key_path.c_str(), "w");
    if (cf == nullptr || kf == nullptr)
    {
        throw std::runtime_error{"cannot write certificate files"};
    }
    PEM_write_X509(cf, x);
    PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(cf);
    std::fclose(kf);
    X509_free(x);
    EVP_PKEY_free(key);
}

/// cert.pem / key.pem in a private temporary directory (what libcoro's test main makes with the openssl CLI).
struct certificate
{
    temp_dir              dir{};
    std::filesystem::path cert{dir.path() / "cert.pem"};
    std::filesystem::path key{dir.path() / "key.pem"};
    certificate() { make_self_signed(cert, key); }
};
#endif

} // namespace net_test
