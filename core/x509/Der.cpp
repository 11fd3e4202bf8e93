// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/Der.h"

#include <QDate>

#include <vector>

namespace certrotor::der {

void Reader::fail(const std::uint8_t* at, const QString& message)
{
    if (m_error.isEmpty())
        m_error = QStringLiteral("DER error at byte %1: %2").arg(at - m_origin).arg(message);
    m_pos = m_end;
}

bool Reader::next(Element& out)
{
    if (failed())
        return false;
    if (atEnd()) {
        fail(m_pos, QStringLiteral("unexpected end of data"));
        return false;
    }
    const std::uint8_t* p = m_pos;
    const std::uint8_t tag = *p++;
    if ((tag & 0x1f) == 0x1f) {
        fail(m_pos, QStringLiteral("multi-byte tags are not used in certificates"));
        return false;
    }
    if (p >= m_end) {
        fail(p, QStringLiteral("length is missing"));
        return false;
    }
    std::size_t len = *p++;
    if (len & 0x80) {
        const int n = int(len & 0x7f);
        if (n == 0) {
            fail(p - 1, QStringLiteral("indefinite length is not DER"));
            return false;
        }
        if (n > 4 || std::size_t(m_end - p) < std::size_t(n)) {
            fail(p - 1, QStringLiteral("length field is too long or truncated"));
            return false;
        }
        len = 0;
        for (int i = 0; i < n; ++i)
            len = (len << 8) | *p++;
    }
    if (len > std::size_t(m_end - p)) {
        fail(m_pos, QStringLiteral("element of %1 bytes runs past the end of its container (%2 bytes left)")
                        .arg(len)
                        .arg(m_end - p));
        return false;
    }
    out.tag = tag;
    out.begin = m_pos;
    out.content = p;
    out.length = len;
    m_pos = p + len;
    return true;
}

bool Reader::expect(std::uint8_t tag, Element& out, const char* what)
{
    const std::uint8_t* at = m_pos;
    if (!next(out))
        return false;
    if (out.tag != tag) {
        m_pos = at;
        fail(at, QStringLiteral("expected %1 (tag 0x%2), found tag 0x%3")
                     .arg(QLatin1String(what))
                     .arg(tag, 2, 16, QLatin1Char('0'))
                     .arg(out.tag, 2, 16, QLatin1Char('0')));
        return false;
    }
    return true;
}

bool Reader::optional(std::uint8_t tag, Element& out)
{
    if (failed() || atEnd() || *m_pos != tag)
        return false;
    return next(out);
}

std::string encodeOid(std::string_view dotted)
{
    std::vector<std::uint64_t> arcs;
    std::uint64_t v = 0;
    for (char c : dotted) {
        if (c == '.') {
            arcs.push_back(v);
            v = 0;
        } else {
            v = v * 10 + std::uint64_t(c - '0');
        }
    }
    arcs.push_back(v);
    std::string out;
    const auto put = [&out](std::uint64_t value) {
        char tmp[10];
        int n = 0;
        do {
            tmp[n++] = char(value & 0x7f);
            value >>= 7;
        } while (value);
        while (n-- > 0)
            out.push_back(char(tmp[n] | (n ? 0x80 : 0)));
    };
    put(arcs.size() > 1 ? arcs[0] * 40 + arcs[1] : 0);
    for (std::size_t i = 2; i < arcs.size(); ++i)
        put(arcs[i]);
    return out;
}

std::string oidToString(const Element& oid)
{
    std::string s;
    if (oid.length == 0)
        return s;
    std::uint64_t value = 0;
    bool first = true;
    char buf[24];
    for (std::size_t i = 0; i < oid.length; ++i) {
        const std::uint8_t b = oid.content[i];
        if (value > (std::uint64_t(1) << 56))
            return {};
        value = (value << 7) | (b & 0x7f);
        if (b & 0x80)
            continue;
        if (first) {
            const std::uint64_t a = value < 40 ? 0 : value < 80 ? 1 : 2;
            const int n = std::snprintf(buf, sizeof buf, "%u.%llu", unsigned(a),
                                        static_cast<unsigned long long>(value - a * 40));
            s.append(buf, std::size_t(n));
            first = false;
        } else {
            const int n = std::snprintf(buf, sizeof buf, ".%llu", static_cast<unsigned long long>(value));
            s.append(buf, std::size_t(n));
        }
        value = 0;
    }
    if (oid.content[oid.length - 1] & 0x80)
        return {};
    return s;
}

namespace {

int digits(const std::uint8_t* p, int n, bool& ok)
{
    int v = 0;
    for (int i = 0; i < n; ++i) {
        if (p[i] < '0' || p[i] > '9') {
            ok = false;
            return 0;
        }
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

} // namespace

bool parseTime(const Element& e, qint64& secs)
{
    const std::uint8_t* p = e.content;
    bool ok = true;
    int year = 0;
    std::size_t rest = 0;
    if (e.tag == UtcTime) {
        // YYMMDDHHMMSSZ (RFC 5280 requires seconds and Z)
        if (e.length != 13 || p[12] != 'Z')
            return false;
        year = digits(p, 2, ok);
        year += year >= 50 ? 1900 : 2000;
        rest = 2;
    } else if (e.tag == GeneralizedTime) {
        if (e.length != 15 || p[14] != 'Z')
            return false;
        year = digits(p, 4, ok);
        rest = 4;
    } else {
        return false;
    }
    const int month = digits(p + rest, 2, ok);
    const int day = digits(p + rest + 2, 2, ok);
    const int hour = digits(p + rest + 4, 2, ok);
    const int minute = digits(p + rest + 6, 2, ok);
    const int second = digits(p + rest + 8, 2, ok);
    if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return false;
    const QDate date(year, month, day);
    if (!date.isValid())
        return false;
    // Julian day arithmetic avoids QDateTime's time-zone machinery on the hot path.
    secs = (date.toJulianDay() - 2440588) * 86400 + hour * 3600 + minute * 60 + second;
    return true;
}

bool parseString(const Element& e, QString& out)
{
    const char* c = reinterpret_cast<const char*>(e.content);
    const auto n = qsizetype(e.length);
    switch (e.tag) {
    case Utf8String:
        out = QString::fromUtf8(c, n);
        return true;
    case PrintableString:
    case Ia5String:
    case VisibleString:
    case NumericString:
    case T61String: // treated as Latin-1, as OpenSSL does
        out = QString::fromLatin1(c, n);
        return true;
    case BmpString: {
        out.clear();
        out.reserve(n / 2);
        for (qsizetype i = 0; i + 1 < n; i += 2)
            out.append(QChar(char16_t((std::uint8_t(c[i]) << 8) | std::uint8_t(c[i + 1]))));
        return true;
    }
    case UniversalString: {
        out.clear();
        for (qsizetype i = 0; i + 3 < n; i += 4) {
            const char32_t cp = (char32_t(std::uint8_t(c[i])) << 24) | (char32_t(std::uint8_t(c[i + 1])) << 16)
                | (char32_t(std::uint8_t(c[i + 2])) << 8) | char32_t(std::uint8_t(c[i + 3]));
            out.append(QString::fromUcs4(&cp, 1));
        }
        return true;
    }
    default:
        return false;
    }
}

QString hex(const std::uint8_t* p, std::size_t n, bool colons)
{
    static const char lower[] = "0123456789abcdef";
    static const char upper[] = "0123456789ABCDEF";
    const char* digitsTable = colons ? upper : lower;
    QString out;
    out.resize(qsizetype(colons && n ? n * 3 - 1 : n * 2));
    QChar* o = out.data();
    for (std::size_t i = 0; i < n; ++i) {
        if (colons && i)
            *o++ = QLatin1Char(':');
        *o++ = QLatin1Char(digitsTable[p[i] >> 4]);
        *o++ = QLatin1Char(digitsTable[p[i] & 0xf]);
    }
    return out;
}

} // namespace certrotor::der
