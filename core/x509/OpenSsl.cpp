// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/OpenSsl.h"

#include <QStringList>

#include <openssl/err.h>

namespace certrotor::ossl {

QString drainErrors()
{
    QStringList parts;
    unsigned long code = 0;
    const char* data = nullptr;
    int flags = 0;
    while ((code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        QString part = QString::fromLatin1(ERR_reason_error_string(code) ? ERR_reason_error_string(code) : buf);
        if ((flags & ERR_TXT_STRING) && data && *data)
            part += QStringLiteral(" (") + QString::fromUtf8(data) + QLatin1Char(')');
        if (!parts.contains(part))
            parts << part;
    }
    return parts.join(QStringLiteral("; "));
}

void clearErrors()
{
    ERR_clear_error();
}

X509Ptr x509FromDer(QByteArrayView der)
{
    auto p = reinterpret_cast<const unsigned char*>(der.data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    return cert;
}

QByteArray toDer(const X509* cert)
{
    const int len = i2d_X509(cert, nullptr);
    if (len <= 0)
        return {};
    QByteArray out(len, Qt::Uninitialized);
    auto p = reinterpret_cast<unsigned char*>(out.data());
    i2d_X509(cert, &p);
    return out;
}

namespace {

// Digests are fetched once: in OpenSSL 3 an implicit fetch per call costs more than hashing a certificate.
const EVP_MD* fetchedDigest(const char* name)
{
    return EVP_MD_fetch(nullptr, name, nullptr); // intentionally kept for the process lifetime
}

QByteArray digest(const EVP_MD* md, QByteArrayView data)
{
    thread_local EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!md || !ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1
        || EVP_DigestUpdate(ctx.get(), data.data(), static_cast<size_t>(data.size())) != 1
        || EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
        clearErrors();
        return {};
    }
    return QByteArray(reinterpret_cast<const char*>(out), static_cast<qsizetype>(len));
}

} // namespace

QByteArray sha256(QByteArrayView data)
{
    static const EVP_MD* md = fetchedDigest("SHA256");
    return digest(md, data);
}

QByteArray sha1(QByteArrayView data)
{
    static const EVP_MD* md = fetchedDigest("SHA1");
    return digest(md, data);
}

} // namespace certrotor::ossl
