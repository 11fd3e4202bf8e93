// SPDX-License-Identifier: GPL-3.0-or-later
#include "pki/CertFactory.h"

#include <QDebug>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <ctime>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <utility>
#include <vector>

namespace certrotor::pki {

namespace {

// Owners for the few OpenSSL types the shared header has no alias for (test-only needs).
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, ossl::Deleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>>;

/// Logs what failed together with OpenSSL's error queue, and empties the queue.
/// (Local on purpose: test support must not depend on core helpers that are under test.)
void warnFailure(const char* what)
{
    QByteArray details;
    const char* data = nullptr;
    int flags = 0;
    while (const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!details.isEmpty())
            details += "; ";
        details += buf;
        if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
            details += " (";
            details += data;
            details += ')';
        }
    }
    qWarning("CertFactory: %s failed%s%s", what, details.isEmpty() ? "" : ": ", details.constData());
}

QByteArray bioContents(BIO* bio)
{
    char* data = nullptr;
    // BIO_get_mem_data() is this call behind a C-style cast.
    const long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
    return len > 0 && data != nullptr ? QByteArray(data, len) : QByteArray();
}

ossl::BioPtr newMemBio()
{
    return ossl::BioPtr(BIO_new(BIO_s_mem()));
}

int subjectRank(const QString& field)
{
    static const QStringList order = { QStringLiteral("DC"), QStringLiteral("C"), QStringLiteral("ST"),
                                       QStringLiteral("L"),  QStringLiteral("O"), QStringLiteral("OU") };
    const qsizetype i = order.indexOf(field);
    return static_cast<int>(i < 0 ? order.size() : i);
}

bool addNameEntry(X509_NAME* name, const QString& field, const QString& value)
{
    const QByteArray f = field.toUtf8();
    const QByteArray v = value.toUtf8();
    return X509_NAME_add_entry_by_txt(name, f.constData(), MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(v.constData()), static_cast<int>(v.size()),
                                      -1, 0)
        == 1;
}

bool buildSubject(X509_NAME* name, const CertSpec& spec)
{
    QList<QPair<QString, QString>> attrs = spec.extraSubject;
    if (!spec.keepSubjectOrder) {
        std::stable_sort(attrs.begin(), attrs.end(),
                         [](const auto& a, const auto& b) { return subjectRank(a.first) < subjectRank(b.first); });
    }
    for (const auto& [field, value] : std::as_const(attrs)) {
        if (!addNameEntry(name, field, value))
            return false;
    }
    return spec.commonName.isEmpty() || addNameEntry(name, QStringLiteral("CN"), spec.commonName);
}

/// Adds one extension from OpenSSL's config syntax ("critical,CA:TRUE,pathlen:0").
bool addConfExtension(X509* cert, X509V3_CTX* ctx, int nid, const QByteArray& value)
{
    const ossl::X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.constData()));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

/// SAN built one GENERAL_NAME at a time, so values may contain commas (the config parser would split them).
bool addSubjectAltNames(X509* cert, X509V3_CTX* ctx, const QStringList& names, bool critical)
{
    GeneralNamesPtr gens(sk_GENERAL_NAME_new_null());
    if (!gens)
        return false;
    for (const QString& entry : names) {
        const qsizetype colon = entry.indexOf(QLatin1Char(':'));
        if (colon <= 0) {
            qWarning("CertFactory: SAN entry \"%s\" lacks a type prefix such as DNS:", qUtf8Printable(entry));
            return false;
        }
        QByteArray type = entry.left(colon).toUtf8();
        QByteArray value = entry.mid(colon + 1).toUtf8();
        CONF_VALUE conf { nullptr, type.data(), value.data() };
        GeneralNamePtr gen(v2i_GENERAL_NAME(X509V3_EXT_get_nid(NID_subject_alt_name), ctx, &conf));
        if (!gen || sk_GENERAL_NAME_push(gens.get(), gen.get()) == 0)
            return false;
        gen.release(); // now owned by the stack
    }
    return X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), critical ? 1 : 0, X509V3_ADD_DEFAULT) == 1;
}

QByteArray joinConfList(const QStringList& items, const char* prefix = "")
{
    QByteArray out;
    for (const QString& item : items) {
        if (!out.isEmpty())
            out += ',';
        out += prefix;
        out += item.toUtf8();
    }
    return out;
}

bool isNoDigestKey(const EVP_PKEY* key)
{
    return EVP_PKEY_is_a(key, "ED25519") == 1 || EVP_PKEY_is_a(key, "ED448") == 1;
}

bool setSerial(X509* cert, qint64 serial)
{
    if (serial != 0)
        return ASN1_INTEGER_set_int64(X509_get_serialNumber(cert), serial) == 1;
    // Exactly 64 random bits with the top one set: positive, non-zero, always 8 significant bytes.
    const ossl::BignumPtr bn(BN_new());
    if (!bn || BN_rand(bn.get(), 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1)
        return false;
    const ossl::Asn1IntegerPtr asn(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    return asn && X509_set_serialNumber(cert, asn.get()) == 1;
}

bool addExtensions(X509* cert, const CertSpec& spec, X509* issuerCert, EVP_PKEY* issuerKey)
{
    X509V3_CTX ctx {};
    // Self-signed: the issuer is the certificate itself, so "hash" and "keyid:always" see its own key.
    X509V3_set_ctx(&ctx, issuerCert != nullptr ? issuerCert : cert, cert, nullptr, nullptr, 0);
    if (X509V3_set_issuer_pkey(&ctx, issuerKey) != 1)
        return false;

    if (spec.basicConstraints) {
        QByteArray bc = spec.basicConstraintsCritical ? "critical," : "";
        bc += spec.isCA ? "CA:TRUE" : "CA:FALSE";
        if (spec.pathLen >= 0)
            bc += ",pathlen:" + QByteArray::number(spec.pathLen);
        if (!addConfExtension(cert, &ctx, NID_basic_constraints, bc))
            return false;
    }

    if (!spec.omitKeyUsage) {
        QStringList usages = spec.keyUsage;
        if (usages.isEmpty()) {
            usages = spec.isCA ? QStringList { QStringLiteral("keyCertSign"), QStringLiteral("cRLSign") }
                               : QStringList { QStringLiteral("digitalSignature"), QStringLiteral("keyEncipherment") };
        }
        QByteArray ku = spec.keyUsageCritical ? "critical," : "";
        ku += joinConfList(usages);
        if (!addConfExtension(cert, &ctx, NID_key_usage, ku))
            return false;
    }

    if (!spec.extendedKeyUsage.isEmpty()
        && !addConfExtension(cert, &ctx, NID_ext_key_usage, joinConfList(spec.extendedKeyUsage)))
        return false;

    // SKI before AKI: for a self-signed certificate "keyid:always" copies the certificate's own SKI.
    if (spec.subjectKeyId && !addConfExtension(cert, &ctx, NID_subject_key_identifier, "hash"))
        return false;

    if (spec.authorityKeyId) {
        // An issuer without an SKI has no key id to copy (OpenSSL only derives one for self-signed).
        const bool haveKeyId
            = issuerCert == nullptr || X509_get_ext_by_NID(issuerCert, NID_subject_key_identifier, -1) >= 0;
        if (!addConfExtension(cert, &ctx, NID_authority_key_identifier,
                              haveKeyId ? QByteArray("keyid:always") : QByteArray("issuer:always")))
            return false;
    }

    if (!spec.subjectAltNames.isEmpty()
        && !addSubjectAltNames(cert, &ctx, spec.subjectAltNames, spec.subjectAltNamesCritical))
        return false;

    if (!spec.crlDistributionPoints.isEmpty()
        && !addConfExtension(cert, &ctx, NID_crl_distribution_points, joinConfList(spec.crlDistributionPoints, "URI:")))
        return false;

    if (!spec.ocspUrls.isEmpty() || !spec.caIssuersUrls.isEmpty()) {
        QByteArray aia = joinConfList(spec.ocspUrls, "OCSP;URI:");
        if (!spec.caIssuersUrls.isEmpty()) {
            if (!aia.isEmpty())
                aia += ',';
            aia += joinConfList(spec.caIssuersUrls, "caIssuers;URI:");
        }
        if (!addConfExtension(cert, &ctx, NID_info_access, aia))
            return false;
    }

    if (!spec.permittedDns.isEmpty() || !spec.excludedDns.isEmpty()) {
        QByteArray nc = "critical";
        const auto append = [&nc](const QStringList& names, const char* kind) {
            for (const QString& name : names) {
                nc += ',';
                nc += kind;
                if (!name.contains(QLatin1Char(':')))
                    nc += "DNS:";
                nc += name.toUtf8();
            }
        };
        append(spec.permittedDns, "permitted;");
        append(spec.excludedDns, "excluded;");
        if (!addConfExtension(cert, &ctx, NID_name_constraints, nc))
            return false;
    }
    return true;
}

} // namespace

ossl::EvpPkeyPtr makeKey(const KeySpec& spec)
{
    ossl::EvpPkeyPtr key;
    switch (spec.type) {
    case KeySpec::Type::Rsa:
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsaBits)));
        break;
    case KeySpec::Type::Ec:
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.curve.constData()));
        break;
    case KeySpec::Type::Ed25519:
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        break;
    }
    if (!key)
        warnFailure("key generation");
    return key;
}

QByteArray Issued::der() const
{
    if (!cert)
        return {};
    const int len = i2d_X509(cert.get(), nullptr);
    if (len <= 0)
        return {};
    QByteArray out(len, Qt::Uninitialized);
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    return i2d_X509(cert.get(), &p) == len ? out : QByteArray();
}

QByteArray Issued::pem() const
{
    const ossl::BioPtr bio = newMemBio();
    if (!cert || !bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1)
        return {};
    return bioContents(bio.get());
}

QByteArray Issued::keyPem() const
{
    const ossl::BioPtr bio = newMemBio();
    if (!key || !bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    return bioContents(bio.get());
}

QByteArray encryptedPrivateKeyPem(EVP_PKEY* key, const QByteArray& passphrase)
{
    const ossl::BioPtr bio = newMemBio();
    if (!key || !bio
        || PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), passphrase.constData(),
                                         int(passphrase.size()), nullptr, nullptr)
            != 1)
        return {};
    return bioContents(bio.get());
}

QByteArray Issued::encryptedKeyPem(const QByteArray& passphrase) const
{
    return encryptedPrivateKeyPem(key.get(), passphrase);
}

Issued Issued::clone() const
{
    Issued copy;
    if (cert && X509_up_ref(cert.get()) == 1)
        copy.cert.reset(cert.get());
    if (key && EVP_PKEY_up_ref(key.get()) == 1)
        copy.key.reset(key.get());
    return copy;
}

Issued issue(const CertSpec& spec, ossl::EvpPkeyPtr key, const Issued* issuer)
{
    Issued out;
    out.key = std::move(key);
    if (!out.key) {
        qWarning("CertFactory: issue() needs a key");
        return out;
    }
    if (issuer != nullptr && (!issuer->cert || !issuer->key)) {
        qWarning("CertFactory: the issuer has no certificate or no key");
        return out;
    }
    if (spec.notBefore == 0 && spec.notAfter == 0) {
        qWarning("CertFactory: CertSpec validity not set; pass times relative to the test clock");
        return out;
    }
    if (spec.version < 1 || spec.version > 3) {
        qWarning("CertFactory: X.509 version must be 1, 2 or 3");
        return out;
    }

    X509* issuerCert = issuer != nullptr ? issuer->cert.get() : nullptr;
    EVP_PKEY* signKey = issuer != nullptr ? issuer->key.get() : out.key.get();

    const EVP_MD* md = nullptr; // Ed25519/Ed448 sign the whole message: the digest must be NULL
    if (!isNoDigestKey(signKey)) {
        md = EVP_get_digestbyname(spec.digest.constData());
        if (md == nullptr) {
            qWarning("CertFactory: unknown digest \"%s\"", spec.digest.constData());
            return out;
        }
        // Only RSA has an MD5 signature algorithm (md5WithRSAEncryption); OpenSSL would fail in
        // X509_sign() without putting anything on the error queue.
        if (EVP_MD_is_a(md, "MD5") == 1 && EVP_PKEY_is_a(signKey, "RSA") != 1) {
            qWarning("CertFactory: MD5 signatures need an RSA signer");
            return out;
        }
    }

    ossl::X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), spec.version - 1) != 1 || !setSerial(cert.get(), spec.serial)
        || !buildSubject(X509_get_subject_name(cert.get()), spec)
        || X509_set_issuer_name(cert.get(),
                                issuerCert != nullptr ? X509_get_subject_name(issuerCert)
                                                      : X509_get_subject_name(cert.get()))
            != 1
        || ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.notBefore)) == nullptr
        || ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.notAfter)) == nullptr
        || X509_set_pubkey(cert.get(), out.key.get()) != 1) {
        warnFailure("building the certificate");
        return out;
    }

    if (spec.version == 3 && !addExtensions(cert.get(), spec, issuerCert, signKey)) {
        warnFailure("adding extensions");
        return out;
    }

    // X509_sign() applies no security level, so the default provider signs SHA-1 (RSA and ECDSA)
    // and MD5 (RSA) certificates, and 512/1024-bit RSA keys sign too.
    if (X509_sign(cert.get(), signKey, md) <= 0) {
        warnFailure("signing");
        return out;
    }
    out.cert = std::move(cert);
    return out;
}

Hierarchy makeHierarchy(qint64 now, const QString& prefix, KeySpec key)
{
    Hierarchy h;
    const qint64 notBefore = now - kSecondsPerDay;
    const qint64 notAfter = now + 365 * kSecondsPerDay;

    CertSpec rootSpec;
    rootSpec.commonName = prefix + QStringLiteral(" Root CA");
    rootSpec.notBefore = notBefore;
    rootSpec.notAfter = notAfter;
    rootSpec.isCA = true;
    h.root = issue(rootSpec, makeKey(key));
    if (!h.root.cert)
        return h;

    CertSpec intSpec = rootSpec;
    intSpec.commonName = prefix + QStringLiteral(" Intermediate CA");
    intSpec.pathLen = 0;
    h.intermediate = issue(intSpec, makeKey(key), &h.root);
    if (!h.intermediate.cert)
        return h;

    CertSpec leafSpec;
    leafSpec.commonName = QStringLiteral("localhost");
    leafSpec.notBefore = notBefore;
    leafSpec.notAfter = notAfter;
    leafSpec.extendedKeyUsage = { QStringLiteral("serverAuth") };
    leafSpec.subjectAltNames = { QStringLiteral("DNS:localhost"), QStringLiteral("IP:127.0.0.1") };
    h.leaf = issue(leafSpec, makeKey(key), &h.intermediate);
    return h;
}

Issued issueClientCertificate(qint64 now, const Hierarchy& clients)
{
    CertSpec spec;
    spec.commonName = QStringLiteral("certrotor-probe");
    spec.notBefore = now - kSecondsPerDay;
    spec.notAfter = now + 30 * kSecondsPerDay;
    spec.extendedKeyUsage = { QStringLiteral("clientAuth") };
    return issue(spec, makeKey(), &clients.intermediate);
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        qWarning("CertFactory: cannot create directory %s", qUtf8Printable(info.absolutePath()));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        qWarning("CertFactory: cannot open %s: %s", qUtf8Printable(path), qUtf8Printable(file.errorString()));
        return false;
    }
    const bool ok = file.write(bytes) == bytes.size();
    file.close();
    return ok && file.error() == QFileDevice::NoError;
}

QByteArray pemBundle(const QList<const Issued*>& certs)
{
    QByteArray out;
    for (const Issued* issued : certs) {
        if (issued != nullptr)
            out += issued->pem();
    }
    return out;
}

QByteArray makeBulkPemBundle(int count, qint64 now, int distinctKeys, bool mixedKeys, Issued* signer)
{
    if (count <= 0)
        return {};
    if (count >= (1 << 24)) {
        qWarning("CertFactory: bulk bundles are limited to 2^24 certificates");
        return {};
    }
    distinctKeys = std::clamp(distinctKeys, 1, count);

    CertSpec spec;
    spec.commonName = QStringLiteral("CertRotor Bulk Issuer");
    spec.notBefore = now - kSecondsPerDay;
    spec.notAfter = now + 365 * kSecondsPerDay;
    spec.isCA = true;
    Issued issuer = issue(spec, makeKey(KeySpec::ec("P-256")));
    if (!issuer.cert)
        return {};
    const EVP_MD* md = EVP_get_digestbyname("SHA256");

    // One template certificate per pool key, made by issue(). Every bulk certificate is a template
    // with a new subject and serial, re-signed. Building each from scratch spent ~80% of its time in
    // X509_set_pubkey(): for a provider key OpenSSL 3.0 runs an OSSL_ENCODER and re-decodes the result.
    spec.extraSubject = { { QStringLiteral("O"), QStringLiteral("CertRotor Bulk") } };
    std::vector<ossl::X509Ptr> templates;
    templates.reserve(static_cast<size_t>(distinctKeys));
    static const KeySpec cycle[] = { KeySpec::rsa(2048), KeySpec::ec("P-256"), KeySpec::ec("P-384") };
    for (int i = 0; i < distinctKeys; ++i) {
        spec.commonName = QStringLiteral("Bulk CA %1").arg(i);
        Issued made = issue(spec, makeKey(mixedKeys ? cycle[i % 3] : KeySpec::ec("P-256")), &issuer);
        if (!made.cert)
            return {};
        templates.push_back(std::move(made.cert));
    }

    // Serials: a random per-bundle prefix above a 24-bit counter, so they are unique within the
    // bundle and (almost surely) across bundles.
    quint64 salt = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&salt), sizeof salt) != 1) {
        warnFailure("RAND_bytes");
        return {};
    }
    salt = (salt & ((quint64 { 1 } << 38) - 1)) | (quint64 { 1 } << 37); // 38 bits, top one set

    const ossl::BioPtr bio = newMemBio();
    if (!bio)
        return {};
    for (int n = 0; n < count; ++n) {
        X509* cert = templates[static_cast<size_t>(n % distinctKeys)].get();
        spec.commonName = QStringLiteral("Bulk CA %1").arg(n);
        const ossl::X509NamePtr name(X509_NAME_new());
        // The setters mark the cached TBS encoding stale, so X509_sign() re-encodes it.
        if (!name || !buildSubject(name.get(), spec) || X509_set_subject_name(cert, name.get()) != 1
            || !setSerial(cert, static_cast<qint64>((salt << 24) | static_cast<quint64>(n)))
            || X509_sign(cert, issuer.key.get(), md) <= 0 || PEM_write_bio_X509(bio.get(), cert) != 1) {
            warnFailure("making a bulk certificate");
            return {};
        }
    }
    if (signer != nullptr)
        *signer = std::move(issuer);
    return bioContents(bio.get());
}

} // namespace certrotor::pki
