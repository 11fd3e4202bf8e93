// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/Chain.h"

#include "x509/Der.h"
#include "x509/OpenSsl.h"

#include <openssl/x509v3.h>

namespace certrotor {

IssuerIndex::IssuerIndex(QList<Certificate> pool) : m_pool(std::move(pool))
{
    m_bySubject.reserve(m_pool.size());
    for (int i = 0; i < m_pool.size(); ++i)
        m_bySubject.insert(m_pool[i].info().subject.der, i);
}

int IssuerIndex::issuerOf(int i) const
{
    const CertificateInfo& c = m_pool[i].info();
    if (c.selfIssued)
        return -1;
    int fallback = -1;
    for (auto it = m_bySubject.constFind(c.issuer.der); it != m_bySubject.constEnd() && it.key() == c.issuer.der; ++it) {
        const int candidate = it.value();
        if (candidate == i)
            continue;
        const CertificateInfo& issuer = m_pool[candidate].info();
        if (!c.authorityKeyId.isEmpty() && !issuer.subjectKeyId.isEmpty()) {
            if (c.authorityKeyId == issuer.subjectKeyId)
                return candidate;
            continue; // the key identifiers say it is another key of the same name
        }
        if (fallback < 0 || issuer.notAfter > m_pool[fallback].info().notAfter)
            fallback = candidate;
    }
    return fallback;
}

QList<int> IssuerIndex::chainFor(int i) const
{
    QList<int> chain{i};
    int current = i;
    while (chain.size() < 32) {
        const int next = issuerOf(current);
        if (next < 0 || chain.contains(next))
            break;
        chain << next;
        current = next;
    }
    return chain;
}

QString VerifyError::text() const
{
    QString out = QStringLiteral("depth %1: %2 (%3)").arg(depth).arg(message, name);
    if (!subject.isEmpty())
        out += QStringLiteral(" — ") + subject;
    return out;
}

QString verifyErrorName(int code)
{
#define CR_CASE(c)                                                                                                     \
    case c:                                                                                                            \
        return QStringLiteral(#c);
    switch (code) {
        CR_CASE(X509_V_OK)
        CR_CASE(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
        CR_CASE(X509_V_ERR_UNABLE_TO_GET_CRL)
        CR_CASE(X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE)
        CR_CASE(X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY)
        CR_CASE(X509_V_ERR_CERT_SIGNATURE_FAILURE)
        CR_CASE(X509_V_ERR_CRL_SIGNATURE_FAILURE)
        CR_CASE(X509_V_ERR_CERT_NOT_YET_VALID)
        CR_CASE(X509_V_ERR_CERT_HAS_EXPIRED)
        CR_CASE(X509_V_ERR_CRL_NOT_YET_VALID)
        CR_CASE(X509_V_ERR_CRL_HAS_EXPIRED)
        CR_CASE(X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD)
        CR_CASE(X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD)
        CR_CASE(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
        CR_CASE(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)
        CR_CASE(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
        CR_CASE(X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE)
        CR_CASE(X509_V_ERR_CERT_CHAIN_TOO_LONG)
        CR_CASE(X509_V_ERR_CERT_REVOKED)
        CR_CASE(X509_V_ERR_INVALID_CA)
        CR_CASE(X509_V_ERR_PATH_LENGTH_EXCEEDED)
        CR_CASE(X509_V_ERR_INVALID_PURPOSE)
        CR_CASE(X509_V_ERR_CERT_UNTRUSTED)
        CR_CASE(X509_V_ERR_CERT_REJECTED)
        CR_CASE(X509_V_ERR_SUBJECT_ISSUER_MISMATCH)
        CR_CASE(X509_V_ERR_AKID_SKID_MISMATCH)
        CR_CASE(X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH)
        CR_CASE(X509_V_ERR_KEYUSAGE_NO_CERTSIGN)
        CR_CASE(X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION)
        CR_CASE(X509_V_ERR_INVALID_EXTENSION)
        CR_CASE(X509_V_ERR_INVALID_NON_CA)
        CR_CASE(X509_V_ERR_PERMITTED_VIOLATION)
        CR_CASE(X509_V_ERR_EXCLUDED_VIOLATION)
        CR_CASE(X509_V_ERR_HOSTNAME_MISMATCH)
        CR_CASE(X509_V_ERR_EE_KEY_TOO_SMALL)
        CR_CASE(X509_V_ERR_CA_KEY_TOO_SMALL)
        CR_CASE(X509_V_ERR_CA_MD_TOO_WEAK)
        CR_CASE(X509_V_ERR_NO_VALID_SCTS)
        CR_CASE(X509_V_ERR_PATH_LOOP)
        CR_CASE(X509_V_ERR_UNSUPPORTED_NAME_SYNTAX)
        CR_CASE(X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX)
        CR_CASE(X509_V_ERR_NO_ISSUER_PUBLIC_KEY)
        CR_CASE(X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH)
    default:
        return QStringLiteral("X509_V_ERR_UNKNOWN_%1").arg(code);
    }
#undef CR_CASE
}

namespace {

int collectingCallback(int ok, X509_STORE_CTX* ctx)
{
    if (ok)
        return 1;
    auto* errors = static_cast<QList<VerifyError>*>(X509_STORE_CTX_get_app_data(ctx));
    const int code = X509_STORE_CTX_get_error(ctx);
    VerifyError e;
    e.depth = X509_STORE_CTX_get_error_depth(ctx);
    e.code = code;
    e.name = verifyErrorName(code);
    e.message = QString::fromUtf8(X509_verify_cert_error_string(code));
    if (X509* cert = X509_STORE_CTX_get_current_cert(ctx)) {
        const QByteArray der = ossl::toDer(cert);
        const Result<Certificate> parsed = Certificate::fromDer(der);
        if (parsed.ok()) {
            e.subject = parsed.value().info().subject.rfc4514;
            e.sha256 = parsed.value().info().sha256Hex();
        }
    }
    if (errors) {
        bool seen = false;
        for (const VerifyError& other : *errors)
            seen = seen || (other.depth == e.depth && other.code == e.code);
        if (!seen)
            *errors << e;
    }
    return 1; // carry on, so every error is reported
}

} // namespace

VerifyResult verifyChain(const Certificate& leaf, const QList<Certificate>& untrusted, const QList<Certificate>& trusted,
                         const VerifyOptions& options)
{
    VerifyResult result;
    ossl::clearErrors();
    if (leaf.isNull() || !leaf.x509()) {
        result.failure = leaf.isNull() ? QStringLiteral("no certificate to verify") : leaf.x509Error();
        return result;
    }
    ossl::X509StorePtr store(X509_STORE_new());
    ossl::X509StackPtr chain(sk_X509_new_null());
    ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!store || !chain || !ctx) {
        result.failure = QStringLiteral("out of memory: ") + ossl::drainErrors();
        return result;
    }
    for (const Certificate& t : trusted) {
        if (X509* x = t.x509())
            X509_STORE_add_cert(store.get(), x); // up-refs; duplicates are ignored
    }
    ossl::clearErrors();
    for (const Certificate& u : untrusted) {
        if (X509* x = u.x509()) {
            X509_up_ref(x);
            sk_X509_push(chain.get(), x);
        }
    }
    if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.x509(), chain.get()) != 1) {
        result.failure = QStringLiteral("cannot set up verification: ") + ossl::drainErrors();
        return result;
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, time_t(options.at));
    if (options.partialChain)
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    if (!options.hostname.isEmpty()) {
        const QByteArray host = options.hostname.toUtf8();
        X509_VERIFY_PARAM_set1_host(param, host.constData(), std::size_t(host.size()));
    }
    X509_STORE_CTX_set_app_data(ctx.get(), &result.errors);
    X509_STORE_CTX_set_verify_cb(ctx.get(), collectingCallback);

    const int rc = X509_verify_cert(ctx.get());
    if (rc < 0 && result.errors.isEmpty())
        result.failure = QStringLiteral("verification could not run: ") + ossl::drainErrors();
    ossl::clearErrors();
    if (STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get())) {
        for (int i = 0; i < sk_X509_num(built); ++i) {
            Result<Certificate> c = Certificate::fromDer(ossl::toDer(sk_X509_value(built, i)));
            if (c.ok())
                result.chain << c.value();
        }
    }
    result.ok = rc == 1 && result.errors.isEmpty() && result.failure.isEmpty();
    return result;
}

} // namespace certrotor
