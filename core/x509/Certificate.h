// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"
#include "x509/CertificateInfo.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>

#include <memory>

typedef struct x509_st X509;

namespace certrotor {

/// One X.509 certificate: its DER, the details read from it, and, on demand, the OpenSSL object
/// for signature and chain work. Immutable and cheap to copy (shared data); safe to share between
/// threads. The OpenSSL parse is deferred because it dominates the cost of ingesting a bundle.
class Certificate
{
public:
    Certificate() = default;

    /// A DER certificate; the whole input must be the certificate.
    static Result<Certificate> fromDer(QByteArray der);
    /// The first certificate of a PEM text.
    static Result<Certificate> fromPem(QByteArrayView pem);
    /// A certificate whose DER the caller already parsed into `info` (the bundle parser's path).
    static Certificate fromParsed(QByteArray der, CertificateInfo info);

    bool isNull() const { return !m_d; }
    const QByteArray& der() const;
    const CertificateInfo& info() const;
    QByteArray toPem() const;

    /// The OpenSSL object, parsed once on first use (thread-safe). Owned by this certificate's
    /// shared data: valid while any copy lives. nullptr when OpenSSL rejects the DER; see x509Error().
    X509* x509() const;
    QString x509Error() const;

    bool operator==(const Certificate& other) const;
    bool operator!=(const Certificate& other) const { return !(*this == other); }

private:
    struct Data;
    std::shared_ptr<Data> m_d;
};

/// PEM text for DER bytes under `label`, in 64-column lines.
QByteArray derToPem(const QByteArray& der, const char* label = "CERTIFICATE");

} // namespace certrotor

Q_DECLARE_METATYPE(certrotor::Certificate)
