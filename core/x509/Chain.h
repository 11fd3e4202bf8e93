// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Certificate.h"

#include <QHash>
#include <QList>
#include <QString>

namespace certrotor {

/// Finds issuers inside a pool by subject name and key identifier, without checking signatures:
/// fast enough to run on every ingest (lint, the table's chain column). verifyChain() is the
/// authority on whether a chain really holds.
class IssuerIndex
{
public:
    explicit IssuerIndex(QList<Certificate> pool);

    /// Index of the best issuer of pool[i] within the pool, or -1 (self-issued certificates have none).
    int issuerOf(int i) const;
    /// pool indices from i up to the last issuer found (i first); stops at a self-issued
    /// certificate, a missing issuer or a loop.
    QList<int> chainFor(int i) const;
    const QList<Certificate>& pool() const { return m_pool; }

private:
    QList<Certificate> m_pool;
    QMultiHash<QByteArray, int> m_bySubject;
};

/// One error OpenSSL met while verifying, with the certificate it concerns.
struct VerifyError
{
    int depth = 0; // 0 = the leaf
    int code = 0; // X509_V_ERR_*
    QString name; // "X509_V_ERR_CERT_HAS_EXPIRED"
    QString message; // OpenSSL's words: "certificate has expired"
    QString subject; // RFC 4514 subject of the certificate at that depth ("" if none)
    QString sha256; // hex

    QString text() const;
};

struct VerifyOptions
{
    qint64 at = 0; // verification time, seconds since the epoch (from a Clock, or a chosen date)
    bool partialChain = false; // accept a chain that ends at a trusted intermediate
    QString hostname; // when set, the leaf must match it
};

struct VerifyResult
{
    bool ok = false;
    QList<Certificate> chain; // the chain OpenSSL built, leaf first
    QList<VerifyError> errors; // every error, not just the first
    QString failure; // set when verification could not even run

    /// The trusted certificate the chain ends at (null when none was reached).
    Certificate anchor() const { return ok && !chain.isEmpty() ? chain.last() : Certificate(); }
};

/// Verifies `leaf` against exactly the `trusted` certificates (no system store), with `untrusted`
/// as intermediates, at a chosen time. Every error is collected through a verify callback that
/// carries on, so the user sees all that is wrong at once.
VerifyResult verifyChain(const Certificate& leaf, const QList<Certificate>& untrusted, const QList<Certificate>& trusted,
                         const VerifyOptions& options);

/// X509_V_ERR_* name for a code ("X509_V_ERR_UNKNOWN" for codes this build does not know).
QString verifyErrorName(int code);

} // namespace certrotor
