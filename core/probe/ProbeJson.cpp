// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeJson.h"

#include "util/Clock.h"

#include <QJsonArray>

namespace certrotor::json {

namespace {

QJsonValue ms(double v)
{
    if (v < 0)
        return QJsonValue::Null;
    return qRound(v * 1000.0) / 1000.0;
}

QJsonValue orNull(const QString& s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

} // namespace

QJsonObject probeResult(const ProbeResult& r)
{
    QJsonObject o;
    o[QLatin1String("target")] = r.target.address();
    o[QLatin1String("serverName")] = orNull(r.target.serverName);
    o[QLatin1String("service")] = r.target.service;
    o[QLatin1String("bundle")] = r.bundleName;
    o[QLatin1String("bundleSha256")] = r.bundleSha256;
    o[QLatin1String("probeId")] = r.probeId;
    o[QLatin1String("startedAt")] = r.startedAt.isValid() ? r.startedAt.toString(Qt::ISODateWithMs) : QString();
    o[QLatin1String("ok")] = r.ok;
    o[QLatin1String("stage")] = ProbeResult::stageName(r.stage);
    o[QLatin1String("error")] = orNull(r.error);
    o[QLatin1String("httpStatus")] = r.httpStatus < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(r.httpStatus);
    o[QLatin1String("grpcStatus")] = r.grpcStatus < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(r.grpcStatus);
    o[QLatin1String("grpcStatusName")] = r.grpcStatus < 0 ? QJsonValue(QJsonValue::Null)
                                                          : QJsonValue(grpcwire::statusCodeName(r.grpcStatus));
    o[QLatin1String("grpcMessage")] = orNull(r.grpcMessage);
    o[QLatin1String("servingStatus")] = orNull(grpcwire::servingStatusName(r.servingStatus));
    o[QLatin1String("alpn")] = orNull(r.alpn);
    o[QLatin1String("tlsVersion")] = orNull(r.tlsVersion);
    o[QLatin1String("cipher")] = orNull(r.cipher);
    QJsonArray errors;
    for (const ProbeVerifyError& e : r.verifyErrors)
        errors.append(QJsonObject{{QStringLiteral("kind"), e.kind},
                                  {QStringLiteral("message"), e.message},
                                  {QStringLiteral("detail"), e.detail},
                                  {QStringLiteral("subject"), e.subject},
                                  {QStringLiteral("sha256"), e.sha256}});
    o[QLatin1String("verifyErrors")] = errors;
    QJsonArray chain;
    for (const Certificate& c : r.peerChain)
        chain.append(QJsonObject{{QStringLiteral("subject"), c.info().subject.rfc4514},
                                 {QStringLiteral("issuer"), c.info().issuer.rfc4514},
                                 {QStringLiteral("sha256"), c.info().sha256Hex()},
                                 {QStringLiteral("notAfter"), isoUtc(c.info().notAfter)}});
    o[QLatin1String("peerChain")] = chain;
    o[QLatin1String("anchor")] = r.anchor.isNull()
        ? QJsonValue(QJsonValue::Null)
        : QJsonValue(QJsonObject{{QStringLiteral("subject"), r.anchor.info().subject.rfc4514},
                                 {QStringLiteral("sha256"), r.anchor.info().sha256Hex()}});
    o[QLatin1String("timings")] = QJsonObject{{QStringLiteral("connectMs"), ms(r.timings.connectMs)},
                                              {QStringLiteral("tlsMs"), ms(r.timings.tlsMs)},
                                              {QStringLiteral("rpcMs"), ms(r.timings.rpcMs)},
                                              {QStringLiteral("totalMs"), ms(r.timings.totalMs)}};
    return o;
}

QJsonObject planVerdict(const PlanVerdict& v)
{
    return QJsonObject{{QStringLiteral("kind"), PlanVerdict::kindName(v.kind)},
                       {QStringLiteral("passed"), v.passed()},
                       {QStringLiteral("text"), v.text},
                       {QStringLiteral("details"), QJsonArray::fromStringList(v.details)}};
}

} // namespace certrotor::json
