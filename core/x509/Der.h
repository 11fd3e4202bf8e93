// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

/// A small, strict DER reader. It is the fast path of bundle ingestion: the table's fields and the
/// lint checks come from a walk over the DER, with no OpenSSL object built (OpenSSL 3.0's d2i_X509
/// decodes every public key through its provider framework, ~100 us per certificate).
namespace certrotor::der {

enum Tag : std::uint8_t {
    Boolean = 0x01,
    Integer = 0x02,
    BitString = 0x03,
    OctetString = 0x04,
    Null = 0x05,
    Oid = 0x06,
    Utf8String = 0x0c,
    NumericString = 0x12,
    PrintableString = 0x13,
    T61String = 0x14,
    Ia5String = 0x16,
    UtcTime = 0x17,
    GeneralizedTime = 0x18,
    VisibleString = 0x1a,
    UniversalString = 0x1c,
    BmpString = 0x1e,
    Sequence = 0x30,
    Set = 0x31,
};

constexpr std::uint8_t contextTag(int n, bool constructed)
{
    return static_cast<std::uint8_t>(0x80 | (constructed ? 0x20 : 0) | n);
}

/// One TLV: its tag, the whole element and its contents.
struct Element
{
    std::uint8_t tag = 0;
    const std::uint8_t* begin = nullptr; // first byte of the tag
    const std::uint8_t* content = nullptr;
    std::size_t length = 0; // content length
    const std::uint8_t* end() const { return content + length; }
    std::size_t totalSize() const { return static_cast<std::size_t>(end() - begin); }
    QByteArray bytes() const { return QByteArray(reinterpret_cast<const char*>(begin), qsizetype(totalSize())); }
    QByteArray contentBytes() const { return QByteArray(reinterpret_cast<const char*>(content), qsizetype(length)); }
};

/// Reads consecutive elements from a range. On malformed input it stops and records the first
/// error with its byte offset from `origin`, so the user can be told where the DER breaks.
class Reader
{
public:
    Reader(const std::uint8_t* begin, const std::uint8_t* end, const std::uint8_t* origin = nullptr)
        : m_pos(begin), m_end(end), m_origin(origin ? origin : begin)
    {
    }
    Reader(const Element& e, const std::uint8_t* origin) : Reader(e.content, e.end(), origin) {}

    bool atEnd() const { return m_pos >= m_end; }
    bool failed() const { return !m_error.isEmpty(); }
    const QString& error() const { return m_error; }
    /// Tag of the next element without consuming it (0 at end).
    std::uint8_t peekTag() const { return atEnd() ? 0 : *m_pos; }

    /// Next element, any tag.
    bool next(Element& out);
    /// Next element, which must carry `tag`.
    bool expect(std::uint8_t tag, Element& out, const char* what);
    /// Next element when its tag is `tag`; otherwise false and nothing consumed.
    bool optional(std::uint8_t tag, Element& out);

    void fail(const std::uint8_t* at, const QString& message);

private:
    const std::uint8_t* m_pos;
    const std::uint8_t* m_end;
    const std::uint8_t* m_origin;
    QString m_error;
};

/// The content bytes of an OID element, for lookups in tables keyed by encodeOid().
inline std::string_view oidBytes(const Element& oid)
{
    return std::string_view(reinterpret_cast<const char*>(oid.content), oid.length);
}

/// DER content bytes of a dotted OID ("2.5.4.3" -> "\x55\x04\x03"). For building lookup tables once.
std::string encodeOid(std::string_view dotted);

/// Dotted form of an OID's contents ("1.2.840.113549.1.1.11"); empty when malformed.
std::string oidToString(const Element& oid);

/// A time element (UTCTime or GeneralizedTime) as seconds since the epoch, UTC.
bool parseTime(const Element& e, qint64& secs);

/// A directory string (UTF8String, PrintableString, IA5String, BMPString, ...) as text;
/// false for types that are not strings.
bool parseString(const Element& e, QString& out);

/// Hex of bytes: "0a1b" (lower, no separator) or "0A:1B" (upper, colon separated, as OpenSSL prints).
QString hex(const std::uint8_t* p, std::size_t n, bool colons);
inline QString hex(const QByteArray& b, bool colons)
{
    return hex(reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size()), colons);
}

} // namespace certrotor::der
