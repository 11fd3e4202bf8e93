// SPDX-License-Identifier: GPL-3.0-or-later
#include "GrpcWire.h"

namespace certrotor::grpcwire {

QString servingStatusName(ServingStatus status)
{
    switch (status) {
    case ServingStatus::Absent:
        return {};
    case ServingStatus::Unknown:
        return QStringLiteral("UNKNOWN");
    case ServingStatus::Serving:
        return QStringLiteral("SERVING");
    case ServingStatus::NotServing:
        return QStringLiteral("NOT_SERVING");
    case ServingStatus::ServiceUnknown:
        return QStringLiteral("SERVICE_UNKNOWN");
    }
    return QStringLiteral("STATUS_%1").arg(int(status));
}

namespace {

void appendVarint(QByteArray& out, quint64 v)
{
    while (v >= 0x80) {
        out.append(char((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.append(char(v));
}

bool readVarint(const QByteArray& in, qsizetype& pos, quint64& v)
{
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= in.size())
            return false;
        const auto b = quint8(in[pos++]);
        v |= quint64(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

} // namespace

QByteArray encodeHealthCheckRequest(const QString& service)
{
    QByteArray out;
    if (service.isEmpty())
        return out; // proto3: the default value is not sent
    const QByteArray utf8 = service.toUtf8();
    out.append(char(0x0a)); // field 1, wire type 2 (length-delimited)
    appendVarint(out, quint64(utf8.size()));
    out.append(utf8);
    return out;
}

QByteArray frame(const QByteArray& message)
{
    QByteArray out;
    out.reserve(5 + message.size());
    const auto n = quint32(message.size());
    out.append(char(0));
    out.append(char((n >> 24) & 0xff));
    out.append(char((n >> 16) & 0xff));
    out.append(char((n >> 8) & 0xff));
    out.append(char(n & 0xff));
    out.append(message);
    return out;
}

bool unframe(const QByteArray& body, QList<QByteArray>& messages, QString& error)
{
    qsizetype pos = 0;
    while (pos < body.size()) {
        if (body.size() - pos < 5) {
            error = QStringLiteral("the response ends inside a gRPC frame header (%1 of 5 bytes)").arg(body.size() - pos);
            return false;
        }
        const auto flag = quint8(body[pos]);
        const quint32 length = (quint32(quint8(body[pos + 1])) << 24) | (quint32(quint8(body[pos + 2])) << 16)
            | (quint32(quint8(body[pos + 3])) << 8) | quint32(quint8(body[pos + 4]));
        if (flag == 1) {
            error = QStringLiteral("the server sent a compressed message although the probe offered no compression");
            return false;
        }
        if (flag > 1) {
            error = QStringLiteral("byte %1 of the response is not a gRPC frame (flag %2)").arg(pos).arg(flag);
            return false;
        }
        if (quint64(body.size() - pos - 5) < length) {
            error = QStringLiteral("the response ends inside a gRPC message (%1 of %2 bytes)")
                        .arg(body.size() - pos - 5)
                        .arg(length);
            return false;
        }
        messages << body.mid(pos + 5, qsizetype(length));
        pos += 5 + qsizetype(length);
    }
    return true;
}

bool decodeHealthCheckResponse(const QByteArray& message, ServingStatus& status, QString& error)
{
    status = ServingStatus::Unknown;
    qsizetype pos = 0;
    while (pos < message.size()) {
        quint64 key = 0;
        if (!readVarint(message, pos, key)) {
            error = QStringLiteral("malformed HealthCheckResponse: truncated field key");
            return false;
        }
        const quint64 field = key >> 3;
        const int wireType = int(key & 7);
        quint64 v = 0;
        switch (wireType) {
        case 0:
            if (!readVarint(message, pos, v)) {
                error = QStringLiteral("malformed HealthCheckResponse: truncated varint");
                return false;
            }
            if (field == 1) {
                if (v > 3) {
                    error = QStringLiteral("HealthCheckResponse has an unknown serving status %1").arg(v);
                    return false;
                }
                status = ServingStatus(int(v));
            }
            break;
        case 1:
            pos += 8;
            break;
        case 2:
            if (!readVarint(message, pos, v) || v > quint64(message.size() - pos)) {
                error = QStringLiteral("malformed HealthCheckResponse: truncated length-delimited field");
                return false;
            }
            pos += qsizetype(v);
            break;
        case 5:
            pos += 4;
            break;
        default:
            error = QStringLiteral("malformed HealthCheckResponse: wire type %1").arg(wireType);
            return false;
        }
        if (pos > message.size()) {
            error = QStringLiteral("malformed HealthCheckResponse: truncated fixed-size field");
            return false;
        }
    }
    return true;
}

QString statusCodeName(int code)
{
    static const char* const names[] = {"OK",
                                        "CANCELLED",
                                        "UNKNOWN",
                                        "INVALID_ARGUMENT",
                                        "DEADLINE_EXCEEDED",
                                        "NOT_FOUND",
                                        "ALREADY_EXISTS",
                                        "PERMISSION_DENIED",
                                        "RESOURCE_EXHAUSTED",
                                        "FAILED_PRECONDITION",
                                        "ABORTED",
                                        "OUT_OF_RANGE",
                                        "UNIMPLEMENTED",
                                        "INTERNAL",
                                        "UNAVAILABLE",
                                        "DATA_LOSS",
                                        "UNAUTHENTICATED"};
    if (code >= 0 && code < int(std::size(names)))
        return QString::fromLatin1(names[code]);
    return QStringLiteral("CODE_%1").arg(code);
}

QByteArray timeoutHeader(int milliseconds)
{
    if (milliseconds < 0)
        milliseconds = 0;
    if (milliseconds <= 99999999)
        return QByteArray::number(milliseconds) + 'm';
    return QByteArray::number((milliseconds + 999) / 1000) + 'S';
}

QString decodeGrpcMessage(const QByteArray& raw)
{
    return QString::fromUtf8(QByteArray::fromPercentEncoding(raw));
}

QByteArray firstValue(const QByteArray& joined)
{
    const qsizetype comma = joined.indexOf(',');
    return (comma < 0 ? joined : joined.left(comma)).trimmed();
}

} // namespace certrotor::grpcwire
