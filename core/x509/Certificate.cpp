// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/Certificate.h"

#include "x509/Bundle.h"
#include "x509/OpenSsl.h"

#include <mutex>

namespace certrotor {

struct Certificate::Data
{
    QByteArray der;
    CertificateInfo info;
    mutable std::once_flag parsed;
    mutable ossl::X509Ptr x509;
    mutable QString x509Error;
};

Result<Certificate> Certificate::fromDer(QByteArray der)
{
    CertificateInfo info;
    std::size_t consumed = 0;
    QString error;
    if (!parseCertificateDer(reinterpret_cast<const std::uint8_t*>(der.constData()), std::size_t(der.size()), info,
                             consumed, error))
        return Error{error, {}};
    if (consumed != std::size_t(der.size()))
        return Error{QStringLiteral("%1 bytes of unexpected data after the certificate").arg(der.size() - qsizetype(consumed)),
                     {}};
    return fromParsed(std::move(der), std::move(info));
}

Result<Certificate> Certificate::fromPem(QByteArrayView pem)
{
    const Bundle bundle = parseBundle(pem, QStringLiteral("PEM"), {});
    if (bundle.entries.isEmpty()) {
        if (!bundle.issues.isEmpty())
            return Error{bundle.issues.first().message, bundle.issues.first().where.text()};
        return Error{QStringLiteral("no certificate found"), {}};
    }
    return bundle.entries.first().certificate;
}

Certificate Certificate::fromParsed(QByteArray der, CertificateInfo info)
{
    Certificate c;
    c.m_d = std::make_shared<Data>();
    c.m_d->der = std::move(der);
    c.m_d->info = std::move(info);
    return c;
}

const QByteArray& Certificate::der() const
{
    static const QByteArray empty;
    return m_d ? m_d->der : empty;
}

const CertificateInfo& Certificate::info() const
{
    static const CertificateInfo empty;
    return m_d ? m_d->info : empty;
}

QByteArray Certificate::toPem() const
{
    return derToPem(der());
}

X509* Certificate::x509() const
{
    if (!m_d)
        return nullptr;
    std::call_once(m_d->parsed, [d = m_d.get()] {
        d->x509 = ossl::x509FromDer(d->der);
        if (!d->x509)
            d->x509Error = QStringLiteral("OpenSSL rejected the certificate: ") + ossl::drainErrors();
    });
    return m_d->x509.get();
}

QString Certificate::x509Error() const
{
    x509();
    return m_d ? m_d->x509Error : QString();
}

bool Certificate::operator==(const Certificate& other) const
{
    if (m_d == other.m_d)
        return true;
    if (!m_d || !other.m_d)
        return false;
    return m_d->info.sha256 == other.m_d->info.sha256;
}

QByteArray derToPem(const QByteArray& der, const char* label)
{
    const QByteArray b64 = der.toBase64();
    QByteArray out;
    out.reserve(b64.size() + b64.size() / 64 + 64);
    out += "-----BEGIN ";
    out += label;
    out += "-----\n";
    for (qsizetype i = 0; i < b64.size(); i += 64) {
        out += QByteArrayView(b64).sliced(i, std::min<qsizetype>(64, b64.size() - i));
        out += '\n';
    }
    out += "-----END ";
    out += label;
    out += "-----\n";
    return out;
}

} // namespace certrotor
