// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

/// The only owners of OpenSSL objects in CertRotor: unique_ptr aliases with their free functions.
namespace certrotor::ossl {

template <auto Fn>
struct Deleter
{
    template <typename T>
    void operator()(T* p) const
    {
        Fn(p);
    }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EvpMdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

struct X509StackDeleter
{
    void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
/// A stack that owns its certificates (sk_X509_pop_free).
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

/// Drains OpenSSL's thread-local error queue into one readable line ("" when empty).
/// Call it at every failure so a stale error never shows up next to an unrelated one.
QString drainErrors();

/// Clears the error queue without reading it.
void clearErrors();

/// Parses one DER certificate with OpenSSL (the slow, complete parser).
X509Ptr x509FromDer(QByteArrayView der);

/// DER encoding of an X509.
QByteArray toDer(const X509* cert);

/// Hash helpers backed by digests fetched once and a per-thread context (no per-call fetch).
QByteArray sha256(QByteArrayView data);
QByteArray sha1(QByteArrayView data);

} // namespace certrotor::ossl
