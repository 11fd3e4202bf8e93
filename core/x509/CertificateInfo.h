// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace certrotor {

/// A distinguished name as read from DER: the raw bytes (for issuer matching, exactly as OpenSSL
/// compares canonical names for DER-identical encodings), RFC 4514 text and the CN.
struct DistinguishedName
{
    QByteArray der;
    QString rfc4514;
    QString commonName;
};

/// Key usage bits, numbered as in RFC 5280 (bit 0 is digitalSignature).
enum KeyUsageBit : quint16 {
    DigitalSignature = 1 << 0,
    NonRepudiation = 1 << 1,
    KeyEncipherment = 1 << 2,
    DataEncipherment = 1 << 3,
    KeyAgreement = 1 << 4,
    KeyCertSign = 1 << 5,
    CrlSign = 1 << 6,
    EncipherOnly = 1 << 7,
    DecipherOnly = 1 << 8,
};

/// Everything CertRotor shows about one certificate, read straight from its DER by a light reader
/// (see Der.h). Times are seconds since the epoch, UTC; "days left" is computed against an injected
/// clock by the caller, never stored.
struct CertificateInfo
{
    int version = 0; // 1, 2 or 3
    QString serialHex; // upper case, no separators, as `openssl x509 -serial`
    DistinguishedName subject;
    DistinguishedName issuer;
    qint64 notBefore = 0;
    qint64 notAfter = 0;

    QString keyAlgorithm; // "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA" or a dotted OID
    int keyBits = 0;
    QString curve; // "P-256", ... for EC keys
    QString signatureAlgorithm; // OpenSSL's name: "sha256WithRSAEncryption", "ecdsa-with-SHA384", ...
    QString signatureHash; // "SHA256", "SHA1", "MD5", ... ("" for Ed25519/Ed448)

    QByteArray sha256; // raw digests
    QByteArray sha1;
    QByteArray spkiSha256;

    bool hasBasicConstraints = false;
    bool isCA = false;
    int pathLen = -1; // -1: no constraint
    bool hasKeyUsage = false;
    quint16 keyUsageBits = 0;
    QStringList extendedKeyUsage; // "serverAuth", "clientAuth", ... or dotted OIDs
    QByteArray subjectKeyId;
    QByteArray authorityKeyId;
    QStringList subjectAltNames; // "DNS:example.com", "IP:10.0.0.1", "email:…", "URI:…", "DirName:…"
    QStringList crlDistributionPoints; // URIs (or other general names, prefixed)
    QStringList ocspUrls;
    QStringList caIssuersUrls;
    QStringList permittedSubtrees; // name constraints, as "DNS:example.com"
    QStringList excludedSubtrees;
    QStringList unknownCriticalExtensions; // dotted OIDs

    bool selfIssued = false; // subject == issuer
    bool selfSigned = false; // self-issued and the key identifiers do not contradict it

    QString keyDescription() const; // "RSA 4096", "EC P-256", "Ed25519"
    QStringList keyUsage() const; // OpenSSL names: "digitalSignature", "keyCertSign", ...
    QString sha256Hex() const; // lower case, no separators
    QString sha1Hex() const;
    QString spkiPin() const; // base64 SHA-256 of the SubjectPublicKeyInfo (HPKP / Envoy style pin)
};

/// Parses a certificate's DER at the start of [data, data+size). On success fills `info` and
/// `consumed` (bytes of the certificate; a TRUSTED CERTIFICATE has auxiliary data after it).
/// On failure returns false and a readable `error` that names the byte offset and the field.
bool parseCertificateDer(const std::uint8_t* data, std::size_t size, CertificateInfo& info, std::size_t& consumed,
                         QString& error);

} // namespace certrotor
