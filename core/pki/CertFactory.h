// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/OpenSsl.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

/// Certificates and keys made with the OpenSSL API: the drill's sandbox PKI, and every test's certificates
/// (made at test time, so no checked-in fixture ever expires).
/// Validity is always given in epoch seconds relative to the test's injected clock.
/// Failures return null pointers and print the OpenSSL error queue with qWarning(), so a
/// test's QVERIFY(issued.cert) comes with the reason in the log.
namespace certrotor::pki {

inline constexpr qint64 kSecondsPerDay = 86400;

struct KeySpec {
    enum class Type { Rsa, Ec, Ed25519 };
    Type type = Type::Ec;
    int rsaBits = 2048; // RSA only; 1024 (or less) is allowed so tests can make weak keys
    QByteArray curve = "P-256"; // EC only: "P-256", "P-384", "P-521" (any OpenSSL group name)

    static KeySpec rsa(int bits = 2048) { return { Type::Rsa, bits, {} }; }
    static KeySpec ec(const QByteArray& curveName = "P-256") { return { Type::Ec, 2048, curveName }; }
    static KeySpec ed25519() { return { Type::Ed25519, 2048, {} }; }
};

/// A fresh key pair; null on failure.
ossl::EvpPkeyPtr makeKey(const KeySpec& spec = {});

/// `key` as an encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY", AES-256-CBC); empty on failure.
QByteArray encryptedPrivateKeyPem(EVP_PKEY* key, const QByteArray& passphrase);

struct CertSpec {
    QString commonName = QStringLiteral("Test"); // empty = no CN attribute
    /// Other subject attributes by OpenSSL short name ("C", "ST", "L", "O", "OU", "DC", "emailAddress", ...).
    /// They precede the CN; unless keepSubjectOrder is set they are sorted the usual way
    /// (DC, C, ST, L, O, OU, then any others in the order given).
    QList<QPair<QString, QString>> extraSubject;
    bool keepSubjectOrder = false;
    qint64 notBefore = 0; // epoch seconds UTC; the caller MUST set both (both 0 is rejected as a mistake)
    qint64 notAfter = 0;
    bool isCA = false;
    int pathLen = -1; // -1 = absent
    bool basicConstraints = true; // false = omit the extension entirely
    bool basicConstraintsCritical = true;
    /// OpenSSL names: "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
    /// "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly".
    /// Empty = {keyCertSign, cRLSign} for CAs, {digitalSignature, keyEncipherment} for leaves.
    QStringList keyUsage;
    bool omitKeyUsage = false;
    bool keyUsageCritical = true;
    QStringList extendedKeyUsage; // "serverAuth", "clientAuth", "codeSigning", "OCSPSigning", dotted OIDs...
    /// OpenSSL syntax, one name per entry (commas inside a value are fine):
    /// "DNS:localhost", "IP:127.0.0.1", "IP:::1", "email:a@b.c", "URI:https://x", "RID:1.2.3".
    QStringList subjectAltNames;
    bool subjectAltNamesCritical = false;
    bool subjectKeyId = true;
    bool authorityKeyId = true; // self-signed too (keyid only)
    QStringList crlDistributionPoints; // URIs
    QStringList ocspUrls; // AIA OCSP
    QStringList caIssuersUrls; // AIA caIssuers
    /// Name constraints (critical). A bare entry is a DNS name ("example.com", ".example.com");
    /// an entry with a type prefix is used as is ("IP:10.0.0.0/255.0.0.0", "email:example.com").
    QStringList permittedDns;
    QStringList excludedDns;
    int version = 3; // 1 = X509v1 (no extensions at all)
    /// "SHA256", "SHA384", "SHA512", "SHA1", "MD5"; ignored for Ed25519 signers.
    /// MD5 works with RSA signers only: there is no ECDSA-with-MD5 algorithm, so an EC signer
    /// with MD5 yields a null certificate.
    QByteArray digest = "SHA256";
    qint64 serial = 0; // 0 = random positive 64-bit serial
};

struct Issued {
    ossl::X509Ptr cert;
    ossl::EvpPkeyPtr key;

    QByteArray der() const;
    QByteArray pem() const; // -----BEGIN CERTIFICATE----- ...
    QByteArray keyPem() const; // unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)
    /// Encrypted PKCS#8 PEM (-----BEGIN ENCRYPTED PRIVATE KEY-----, AES-256-CBC): what a client key
    /// protected by a passphrase looks like.
    QByteArray encryptedKeyPem(const QByteArray& passphrase) const;
    Issued clone() const; // up-ref copies
};

/// issuer == nullptr: self-signed with `key`. Otherwise signed by issuer->key, with the issuer name
/// taken from issuer->cert and the AKI from the issuer's SKI. On failure cert is null (key is kept).
Issued issue(const CertSpec& spec, ossl::EvpPkeyPtr key, const Issued* issuer = nullptr);

struct Hierarchy {
    Issued root;
    Issued intermediate;
    Issued leaf;
};

/// Root CA (no pathLen) -> intermediate CA (pathLen 0) -> leaf (serverAuth, SAN DNS:localhost and
/// IP:127.0.0.1), all valid [now - 1 day, now + 365 days], named "<prefix> Root CA",
/// "<prefix> Intermediate CA" and "localhost". Each gets its own key made from `key`.
Hierarchy makeHierarchy(qint64 now, const QString& prefix = QStringLiteral("CertRotor Test"), KeySpec key = {});

/// A TLS client certificate (CN certrotor-probe, extendedKeyUsage clientAuth, valid from a day before
/// `now` for 30 days) issued by `clients.intermediate`, for mTLS probes.
Issued issueClientCertificate(qint64 now, const Hierarchy& clients);

/// Writes bytes to a file (creating parent dirs), in place like most tools do; false on failure.
bool writeFile(const QString& path, const QByteArray& bytes);

/// PEM of several certificates, concatenated in the order given (null entries are skipped).
QByteArray pemBundle(const QList<const Issued*>& certs);

/// Many distinct CA certificates quickly, for 10,000-50,000 certificate bundles. Subject keys come
/// from a pool of `distinctKeys` keys (cycling RSA 2048 / EC P-256 / EC P-384 when mixedKeys, else
/// all EC P-256); every certificate is signed by one EC P-256 "CertRotor Bulk Issuer" CA, because
/// self-signing with RSA would be far too slow. Each certificate is distinct: CN "Bulk CA <n>"
/// (n from 0), O "CertRotor Bulk", and a serial unique within the bundle.
/// Valid [now - 1 day, now + 365 days]. Returns the concatenated PEM ("" on failure).
/// `signer`, if given, receives the issuing CA so a test can verify the certificates.
QByteArray makeBulkPemBundle(int count, qint64 now, int distinctKeys = 8, bool mixedKeys = true,
                             Issued* signer = nullptr);

} // namespace certrotor::pki
