// SPDX-License-Identifier: GPL-3.0-or-later
#include "ClientIdentity.h"

#include "x509/OpenSsl.h"

#include <QFile>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <utility>

namespace certrotor {

QByteArray ClientIdentity::certificateBase64() const
{
    return certificate.toDer().toBase64();
}

namespace {

struct PassphraseState
{
    const QByteArray* passphrase = nullptr;
    bool asked = false;
};

int passphraseCallback(char* buf, int size, int /*rwflag*/, void* userdata)
{
    auto* state = static_cast<PassphraseState*>(userdata);
    state->asked = true;
    if (!state->passphrase || state->passphrase->isEmpty())
        return -1; // encrypted, and no passphrase: fail instead of prompting on a terminal
    const int n = int(qMin(qsizetype(size), state->passphrase->size()));
    std::memcpy(buf, state->passphrase->constData(), std::size_t(n));
    return n;
}

// A readable error for a key file; never includes OpenSSL's details when a passphrase was involved,
// so nothing derived from the secret can leak.
Error keyError(const QString& keyName, const QString& message, const QString& code)
{
    return Error { message, keyName, code };
}

Result<QByteArray> readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error { QStringLiteral("cannot read: ") + f.errorString(), path, identitycode::unreadable };
    return f.readAll();
}

// Reads a PEM or DER private key, decrypting it with `passphrase` when it is encrypted. `encrypted`
// (optional) tells whether a passphrase was needed.
Result<ossl::EvpPkeyPtr> readPrivateKey(const QByteArray& key, const QString& keyName, const QByteArray& passphrase,
                                        bool* encrypted = nullptr)
{
    ossl::clearErrors();
    PassphraseState state{&passphrase, false};
    ossl::BioPtr bio(BIO_new_mem_buf(key.constData(), int(key.size())));
    ossl::EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, passphraseCallback, &state));
    if (!pkey && !state.asked) {
        // Not PEM: try DER PKCS#8 / traditional.
        ossl::clearErrors();
        const auto* p = reinterpret_cast<const unsigned char*>(key.constData());
        pkey.reset(d2i_AutoPrivateKey(nullptr, &p, long(key.size())));
    }
    ossl::clearErrors();
    if (encrypted)
        *encrypted = state.asked;
    if (!pkey) {
        if (state.asked && passphrase.isEmpty())
            return keyError(keyName, QStringLiteral("the private key is encrypted and no passphrase was given"),
                            identitycode::needsPassphrase);
        if (state.asked)
            return keyError(keyName, QStringLiteral("the passphrase does not decrypt the private key"),
                            identitycode::wrongPassphrase);
        return keyError(keyName, QStringLiteral("no private key found (expected PEM or DER)"), identitycode::noKey);
    }
    return pkey;
}

} // namespace

Result<bool> privateKeyIsEncrypted(const QByteArray& key, const QString& keyName)
{
    bool encrypted = false;
    Result<ossl::EvpPkeyPtr> read = readPrivateKey(key, keyName, {}, &encrypted);
    if (!read.ok() && !encrypted)
        return read.error();
    return encrypted;
}

Result<bool> checkPrivateKey(const QByteArray& key, const QString& keyName, const QByteArray& passphrase)
{
    bool encrypted = false;
    Result<ossl::EvpPkeyPtr> read = readPrivateKey(key, keyName, passphrase, &encrypted);
    if (!read.ok())
        return read.error();
    return encrypted;
}

Result<ClientIdentity> clientIdentityFromData(const QByteArray& certificate, const QString& certificateName,
                                              const QByteArray& key, const QString& keyName,
                                              const QByteArray& passphrase)
{
    ClientIdentity identity;
    QList<QSslCertificate> certs = QSslCertificate::fromData(certificate, QSsl::Pem);
    if (certs.isEmpty())
        certs = QSslCertificate::fromData(certificate, QSsl::Der);
    if (certs.isEmpty() || certs.first().isNull())
        return Error { QStringLiteral("no certificate found (expected PEM or DER)"), certificateName,
                       identitycode::noCertificate };
    identity.certificate = certs.takeFirst();
    identity.chain = certs;

    Result<ossl::EvpPkeyPtr> read = readPrivateKey(key, keyName, passphrase);
    if (!read.ok())
        return read.error();
    ossl::EvpPkeyPtr pkey = std::move(read).value();

    ossl::X509Ptr x509 = ossl::x509FromDer(identity.certificate.toDer());
    if (!x509 || X509_check_private_key(x509.get(), pkey.get()) != 1) {
        ossl::clearErrors();
        return keyError(keyName,
                        QStringLiteral("the private key does not belong to the certificate in %1").arg(certificateName),
                        identitycode::keyMismatch);
    }

    // Hand the key to Qt as unencrypted PKCS#8 DER held in memory only (QSslKey wants an algorithm).
    QSsl::KeyAlgorithm algorithm = QSsl::Opaque;
    switch (EVP_PKEY_get_base_id(pkey.get())) {
    case EVP_PKEY_RSA:
        algorithm = QSsl::Rsa;
        break;
    case EVP_PKEY_EC:
        algorithm = QSsl::Ec;
        break;
    case EVP_PKEY_DSA:
        algorithm = QSsl::Dsa;
        break;
    default:
        return keyError(keyName,
                        QStringLiteral("key type %1 is not supported for client certificates (use RSA or EC)")
                            .arg(QString::fromLatin1(EVP_PKEY_get0_type_name(pkey.get()))),
                        identitycode::unsupportedKey);
    }
    unsigned char* der = nullptr;
    const int len = i2d_PrivateKey(pkey.get(), &der);
    if (len <= 0) {
        ossl::clearErrors();
        return keyError(keyName, QStringLiteral("cannot re-encode the private key"), identitycode::unsupportedKey);
    }
    QByteArray plain(reinterpret_cast<const char*>(der), len);
    OPENSSL_clear_free(der, std::size_t(len));
    identity.key = QSslKey(plain, algorithm, QSsl::Der, QSsl::PrivateKey);
    plain.fill('\0');
    if (identity.key.isNull())
        return keyError(keyName, QStringLiteral("Qt could not load the private key"), identitycode::unsupportedKey);
    return identity;
}

Result<ClientIdentity> loadClientIdentity(const QString& certificatePath, const QString& keyPath,
                                          const QByteArray& passphrase)
{
    Result<QByteArray> cert = readAll(certificatePath);
    if (!cert.ok())
        return cert.error();
    Result<QByteArray> key = readAll(keyPath);
    if (!key.ok())
        return key.error();
    Result<ClientIdentity> identity = clientIdentityFromData(cert.value(), certificatePath, key.value(), keyPath,
                                                             passphrase);
    key.value().fill('\0');
    return identity;
}

} // namespace certrotor
