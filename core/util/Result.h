// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace certrotor {

/// An error a user can read: what went wrong and where ("ca.pem: block 3, line 41").
/// Errors are values in CertRotor: they never cross Qt boundaries as exceptions.
struct Error
{
    QString message;
    QString where;
    /// A stable code for callers that must decide ("conflict", "policy", ...); "" when nobody decides on it.
    QString code = {};

    /// "where: message", or just the message when there is no location.
    QString text() const { return where.isEmpty() ? message : where + QStringLiteral(": ") + message; }
};

/// A value or an Error. Cheap to move; `value()` on an error is a programming mistake.
template <typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_data(std::move(value)) {}
    Result(Error error) : m_data(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }

    const T& value() const& { return std::get<T>(m_data); }
    T& value() & { return std::get<T>(m_data); }
    T&& value() && { return std::get<T>(std::move(m_data)); }
    const Error& error() const { return std::get<Error>(m_data); }

private:
    std::variant<T, Error> m_data;
};

} // namespace certrotor
