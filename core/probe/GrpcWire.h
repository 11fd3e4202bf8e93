// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

/// The bytes of one grpc.health.v1.Health/Check call, encoded by hand: the probe owns its client
/// and needs no gRPC or protobuf library. Pure functions, so every malformed answer is unit-testable.
namespace certrotor::grpcwire {

/// grpc.health.v1.HealthCheckResponse.ServingStatus (plus Absent: no response message at all).
enum class ServingStatus { Absent = -1, Unknown = 0, Serving = 1, NotServing = 2, ServiceUnknown = 3 };

QString servingStatusName(ServingStatus status); // "SERVING", "NOT_SERVING", ... ("" for Absent)

/// HealthCheckRequest{service} as protobuf (field 1, string), without framing.
QByteArray encodeHealthCheckRequest(const QString& service);

/// One length-prefixed gRPC message: 1 byte compression flag (0), 4 bytes big-endian length, payload.
QByteArray frame(const QByteArray& message);

/// Splits a response body into its messages. False, with a readable `error`, on a truncated frame or
/// a compressed message (the probe never offers compression, so a server must not use it).
bool unframe(const QByteArray& body, QList<QByteArray>& messages, QString& error);

/// Reads HealthCheckResponse.status (field 1, varint); unknown fields are skipped as protobuf
/// requires. An empty message means status 0 (UNKNOWN), as proto3 omits default values.
bool decodeHealthCheckResponse(const QByteArray& message, ServingStatus& status, QString& error);

/// "OK", "NOT_FOUND", "UNIMPLEMENTED", ... for a gRPC status code ("CODE_<n>" when unknown).
QString statusCodeName(int code);

/// The grpc-timeout header for a deadline in milliseconds: at most 8 digits, so large deadlines
/// switch to seconds ("5000m", "100000S").
QByteArray timeoutHeader(int milliseconds);

/// grpc-message is percent-encoded (the gRPC HTTP/2 spec): decode it.
QString decodeGrpcMessage(const QByteArray& raw);

/// The first value of a header Qt may have joined ("0, 0" when a value came in headers and trailers).
QByteArray firstValue(const QByteArray& joined);

} // namespace certrotor::grpcwire
