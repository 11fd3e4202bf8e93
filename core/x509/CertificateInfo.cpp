// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/CertificateInfo.h"

#include "x509/Der.h"
#include "x509/OpenSsl.h"

#include <cstring>
#include <string_view>
#include <unordered_map>

namespace certrotor {

namespace {

using der::Element;
using der::Reader;

// Tables keyed by an OID's DER content bytes, so the hot path never formats an OID as text.
template <typename T>
class OidMap
{
public:
    OidMap(std::initializer_list<std::pair<const char*, T>> entries)
    {
        for (const auto& [dotted, value] : entries)
            m_map.emplace(der::encodeOid(dotted), value);
    }
    const T* find(const Element& oid) const
    {
        const auto it = m_map.find(std::string(der::oidBytes(oid)));
        return it == m_map.end() ? nullptr : &it->second;
    }

private:
    std::unordered_map<std::string, T> m_map;
};

struct SigAlg
{
    const char* name;
    const char* hash;
};

const OidMap<SigAlg>& signatureAlgorithms()
{
    static const OidMap<SigAlg> map({
        {"1.2.840.113549.1.1.2", {"md2WithRSAEncryption", "MD2"}},
        {"1.2.840.113549.1.1.4", {"md5WithRSAEncryption", "MD5"}},
        {"1.2.840.113549.1.1.5", {"sha1WithRSAEncryption", "SHA1"}},
        {"1.2.840.113549.1.1.10", {"rsassaPss", ""}},
        {"1.2.840.113549.1.1.11", {"sha256WithRSAEncryption", "SHA256"}},
        {"1.2.840.113549.1.1.12", {"sha384WithRSAEncryption", "SHA384"}},
        {"1.2.840.113549.1.1.13", {"sha512WithRSAEncryption", "SHA512"}},
        {"1.2.840.113549.1.1.14", {"sha224WithRSAEncryption", "SHA224"}},
        {"1.2.840.10045.4.1", {"ecdsa-with-SHA1", "SHA1"}},
        {"1.2.840.10045.4.3.1", {"ecdsa-with-SHA224", "SHA224"}},
        {"1.2.840.10045.4.3.2", {"ecdsa-with-SHA256", "SHA256"}},
        {"1.2.840.10045.4.3.3", {"ecdsa-with-SHA384", "SHA384"}},
        {"1.2.840.10045.4.3.4", {"ecdsa-with-SHA512", "SHA512"}},
        {"1.3.101.112", {"ED25519", ""}},
        {"1.3.101.113", {"ED448", ""}},
        {"1.2.840.10040.4.3", {"dsaWithSHA1", "SHA1"}},
        {"2.16.840.1.101.3.4.3.2", {"dsa_with_SHA256", "SHA256"}},
    });
    return map;
}

const OidMap<const char*>& curves()
{
    static const OidMap<const char*> map({
        {"1.2.840.10045.3.1.7", "P-256"},
        {"1.3.132.0.34", "P-384"},
        {"1.3.132.0.35", "P-521"},
        {"1.3.132.0.10", "secp256k1"},
        {"1.2.840.10045.3.1.1", "P-192"},
        {"1.3.132.0.33", "P-224"},
        {"1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"},
        {"1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"},
        {"1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"},
    });
    return map;
}

enum class Ext {
    Unknown,
    BasicConstraints,
    KeyUsage,
    ExtKeyUsage,
    SubjectKeyId,
    AuthorityKeyId,
    SubjectAltName,
    CrlDistributionPoints,
    AuthorityInfoAccess,
    NameConstraints,
    Other, // known and harmless when critical
};

const OidMap<Ext>& extensions()
{
    static const OidMap<Ext> map({
        {"2.5.29.19", Ext::BasicConstraints},
        {"2.5.29.15", Ext::KeyUsage},
        {"2.5.29.37", Ext::ExtKeyUsage},
        {"2.5.29.14", Ext::SubjectKeyId},
        {"2.5.29.35", Ext::AuthorityKeyId},
        {"2.5.29.17", Ext::SubjectAltName},
        {"2.5.29.31", Ext::CrlDistributionPoints},
        {"1.3.6.1.5.5.7.1.1", Ext::AuthorityInfoAccess},
        {"2.5.29.30", Ext::NameConstraints},
        {"2.5.29.32", Ext::Other}, // certificatePolicies
        {"2.5.29.36", Ext::Other}, // policyConstraints
        {"2.5.29.54", Ext::Other}, // inhibitAnyPolicy
        {"2.5.29.33", Ext::Other}, // policyMappings
    });
    return map;
}

enum class KeyAlg { Unknown, Rsa, RsaPss, Ec, Ed25519, Ed448, Dsa };

const OidMap<KeyAlg>& keyAlgorithms()
{
    static const OidMap<KeyAlg> map({
        {"1.2.840.113549.1.1.1", KeyAlg::Rsa},
        {"1.2.840.113549.1.1.10", KeyAlg::RsaPss},
        {"1.2.840.10045.2.1", KeyAlg::Ec},
        {"1.3.101.112", KeyAlg::Ed25519},
        {"1.3.101.113", KeyAlg::Ed448},
        {"1.2.840.10040.4.1", KeyAlg::Dsa},
    });
    return map;
}

int curveBits(const char* curve)
{
    const std::string_view c(curve);
    if (c == "P-256" || c == "secp256k1" || c == "brainpoolP256r1")
        return 256;
    if (c == "P-384" || c == "brainpoolP384r1")
        return 384;
    if (c == "P-521")
        return 521;
    if (c == "brainpoolP512r1")
        return 512;
    if (c == "P-192")
        return 192;
    if (c == "P-224")
        return 224;
    return 0;
}

// Attribute types by the short names OpenSSL prints with -nameopt RFC2253.
const OidMap<const char*>& attributeNames()
{
    static const OidMap<const char*> map({
        {"2.5.4.3", "CN"},
        {"2.5.4.6", "C"},
        {"2.5.4.7", "L"},
        {"2.5.4.8", "ST"},
        {"2.5.4.10", "O"},
        {"2.5.4.11", "OU"},
        {"2.5.4.9", "street"},
        {"2.5.4.5", "serialNumber"},
        {"2.5.4.4", "SN"},
        {"2.5.4.42", "GN"},
        {"2.5.4.12", "title"},
        {"2.5.4.43", "initials"},
        {"2.5.4.44", "generationQualifier"},
        {"2.5.4.46", "dnQualifier"},
        {"2.5.4.65", "pseudonym"},
        {"2.5.4.41", "name"},
        {"2.5.4.15", "businessCategory"},
        {"2.5.4.17", "postalCode"},
        {"2.5.4.97", "organizationIdentifier"},
        {"0.9.2342.19200300.100.1.25", "DC"},
        {"0.9.2342.19200300.100.1.1", "UID"},
        {"1.2.840.113549.1.9.1", "emailAddress"},
        {"1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"},
        {"1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"},
        {"1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"},
    });
    return map;
}

const OidMap<const char*>& ekuNames()
{
    static const OidMap<const char*> map({
        {"1.3.6.1.5.5.7.3.1", "serverAuth"},      {"1.3.6.1.5.5.7.3.2", "clientAuth"},
        {"1.3.6.1.5.5.7.3.3", "codeSigning"},     {"1.3.6.1.5.5.7.3.4", "emailProtection"},
        {"1.3.6.1.5.5.7.3.8", "timeStamping"},    {"1.3.6.1.5.5.7.3.9", "OCSPSigning"},
        {"2.5.29.37.0", "anyExtendedKeyUsage"},
    });
    return map;
}

// RFC 4514 section 2.4 escaping, plus control characters as \XX (as OpenSSL does).
void appendEscaped(QString& out, const QString& value)
{
    const qsizetype n = value.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = value.at(i);
        const char16_t u = c.unicode();
        const bool special = u == u',' || u == u'+' || u == u'"' || u == u'\\' || u == u'<' || u == u'>' || u == u';';
        const bool leading = i == 0 && (u == u'#' || u == u' ');
        const bool trailing = i == n - 1 && u == u' ';
        if (special || leading || trailing) {
            out += QLatin1Char('\\');
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            out += QStringLiteral("\\%1").arg(unsigned(u), 2, 16, QLatin1Char('0')).toUpper();
        } else {
            out += c;
        }
    }
}

bool parseName(const Element& nameElement, const std::uint8_t* origin, DistinguishedName& dn, QString& error)
{
    dn.der = nameElement.bytes();
    Reader rdns(nameElement, origin);
    QStringList rdnTexts;
    while (!rdns.atEnd()) {
        Element set;
        if (!rdns.expect(der::Set, set, "RDN SET"))
            break;
        Reader atvs(set, origin);
        QString rdnText;
        while (!atvs.atEnd()) {
            Element atv, type, value;
            if (!atvs.expect(der::Sequence, atv, "AttributeTypeAndValue"))
                break;
            Reader fields(atv, origin);
            if (!fields.expect(der::Oid, type, "attribute type") || !fields.next(value)) {
                error = fields.error();
                return false;
            }
            const char* const* known = attributeNames().find(type);
            if (!rdnText.isEmpty())
                rdnText += QLatin1Char('+');
            if (known)
                rdnText += QLatin1String(*known);
            else
                rdnText += QString::fromStdString(der::oidToString(type));
            rdnText += QLatin1Char('=');
            QString text;
            if (der::parseString(value, text)) {
                appendEscaped(rdnText, text);
                if (known && std::strcmp(*known, "CN") == 0)
                    dn.commonName = text; // the most specific (last) CN wins, as browsers show it
            } else {
                rdnText += QLatin1Char('#') + der::hex(value.begin, value.totalSize(), false);
            }
        }
        if (atvs.failed()) {
            error = atvs.error();
            return false;
        }
        rdnTexts.prepend(rdnText); // RFC 4514 lists the RDNs in reverse order
    }
    if (rdns.failed()) {
        error = rdns.error();
        return false;
    }
    dn.rfc4514 = rdnTexts.join(QLatin1Char(','));
    return true;
}

QString ipToString(const std::uint8_t* p, std::size_t n)
{
    if (n == 4)
        return QStringLiteral("%1.%2.%3.%4").arg(p[0]).arg(p[1]).arg(p[2]).arg(p[3]);
    if (n == 16) {
        QStringList groups;
        for (int i = 0; i < 16; i += 2)
            groups << QString::number((p[i] << 8) | p[i + 1], 16).toUpper();
        return groups.join(QLatin1Char(':'));
    }
    return der::hex(p, n, true);
}

// One GeneralName as "TYPE:value" (OpenSSL's config syntax). `subtree` marks name-constraint
// bases, where an iPAddress carries an address and a mask.
QString generalNameToString(const Element& gn, const std::uint8_t* origin, bool subtree)
{
    const auto text = [&] { return QString::fromLatin1(reinterpret_cast<const char*>(gn.content), qsizetype(gn.length)); };
    switch (gn.tag) {
    case der::contextTag(1, false):
        return QStringLiteral("email:") + text();
    case der::contextTag(2, false):
        return QStringLiteral("DNS:") + text();
    case der::contextTag(6, false):
        return QStringLiteral("URI:") + text();
    case der::contextTag(7, false):
        if (subtree && (gn.length == 8 || gn.length == 32)) {
            const std::size_t half = gn.length / 2;
            return QStringLiteral("IP:") + ipToString(gn.content, half) + QLatin1Char('/')
                + ipToString(gn.content + half, half);
        }
        return QStringLiteral("IP:") + ipToString(gn.content, gn.length);
    case der::contextTag(8, false):
        return QStringLiteral("RID:") + QString::fromStdString(der::oidToString(gn));
    case der::contextTag(4, true): {
        Reader inner(gn, origin);
        Element name;
        DistinguishedName dn;
        QString error;
        if (inner.expect(der::Sequence, name, "Name") && parseName(name, origin, dn, error))
            return QStringLiteral("DirName:") + dn.rfc4514;
        return QStringLiteral("DirName:<malformed>");
    }
    case der::contextTag(0, true):
        return QStringLiteral("othername:<unsupported>");
    default:
        return QStringLiteral("unknown:tag 0x%1").arg(gn.tag, 2, 16, QLatin1Char('0'));
    }
}

bool parseGeneralNames(const Element& seq, const std::uint8_t* origin, QStringList& out, QString& error)
{
    Reader names(seq, origin);
    Element gn;
    while (!names.atEnd() && names.next(gn))
        out << generalNameToString(gn, origin, false);
    if (names.failed()) {
        error = names.error();
        return false;
    }
    return true;
}

bool parseRsaBits(const Element& bitString, const std::uint8_t* origin, int& bits)
{
    if (bitString.length < 1)
        return false;
    Reader key(bitString.content + 1, bitString.end(), origin);
    Element seq, modulus;
    if (!key.expect(der::Sequence, seq, "RSAPublicKey"))
        return false;
    Reader fields(seq, origin);
    if (!fields.expect(der::Integer, modulus, "modulus"))
        return false;
    const std::uint8_t* p = modulus.content;
    std::size_t n = modulus.length;
    while (n > 0 && *p == 0) {
        ++p;
        --n;
    }
    if (n == 0) {
        bits = 0;
        return true;
    }
    int top = 0;
    for (std::uint8_t b = *p; b; b >>= 1)
        ++top;
    bits = int((n - 1) * 8) + top;
    return true;
}

bool parseExtension(const Element& oidElement, bool critical, const Element& value, const std::uint8_t* origin,
                    CertificateInfo& info, QString& error)
{
    Reader r(value, origin);
    Element e;
    const auto failWith = [&](const Reader& reader) {
        error = QStringLiteral("extension %1: %2").arg(QString::fromStdString(der::oidToString(oidElement)), reader.error());
        return false;
    };
    const Ext* known = extensions().find(oidElement);
    const Ext oid = known ? *known : Ext::Unknown;
    if (oid == Ext::BasicConstraints) {
        if (!r.expect(der::Sequence, e, "BasicConstraints"))
            return failWith(r);
        info.hasBasicConstraints = true;
        Reader f(e, origin);
        Element field;
        if (f.optional(der::Boolean, field))
            info.isCA = field.length == 1 && field.content[0] != 0;
        if (f.optional(der::Integer, field)) {
            qint64 v = 0;
            for (std::size_t i = 0; i < field.length && i < 4; ++i)
                v = (v << 8) | field.content[i];
            info.pathLen = int(v);
        }
        if (f.failed())
            return failWith(f);
    } else if (oid == Ext::KeyUsage) {
        if (!r.expect(der::BitString, e, "KeyUsage"))
            return failWith(r);
        info.hasKeyUsage = true;
        quint16 bits = 0;
        // bit 0 is the most significant bit of the first content octet after the unused-bits count
        for (std::size_t i = 1; i < e.length && i <= 2; ++i)
            for (int b = 0; b < 8; ++b)
                if (e.content[i] & (0x80 >> b))
                    bits |= quint16(1u << ((i - 1) * 8 + std::size_t(b)));
        info.keyUsageBits = bits;
    } else if (oid == Ext::ExtKeyUsage) {
        if (!r.expect(der::Sequence, e, "ExtKeyUsageSyntax"))
            return failWith(r);
        Reader f(e, origin);
        Element purpose;
        while (!f.atEnd() && f.expect(der::Oid, purpose, "KeyPurposeId")) {
            const char* const* known = ekuNames().find(purpose);
            info.extendedKeyUsage << (known ? QString::fromLatin1(*known) : QString::fromStdString(der::oidToString(purpose)));
        }
        if (f.failed())
            return failWith(f);
    } else if (oid == Ext::SubjectKeyId) {
        if (!r.expect(der::OctetString, e, "SubjectKeyIdentifier"))
            return failWith(r);
        info.subjectKeyId = e.contentBytes();
    } else if (oid == Ext::AuthorityKeyId) {
        if (!r.expect(der::Sequence, e, "AuthorityKeyIdentifier"))
            return failWith(r);
        Reader f(e, origin);
        Element keyId;
        if (f.optional(der::contextTag(0, false), keyId))
            info.authorityKeyId = keyId.contentBytes();
        if (f.failed())
            return failWith(f);
    } else if (oid == Ext::SubjectAltName) {
        if (!r.expect(der::Sequence, e, "GeneralNames"))
            return failWith(r);
        if (!parseGeneralNames(e, origin, info.subjectAltNames, error))
            return false;
    } else if (oid == Ext::CrlDistributionPoints) {
        if (!r.expect(der::Sequence, e, "CRLDistributionPoints"))
            return failWith(r);
        Reader points(e, origin);
        Element dp;
        while (!points.atEnd() && points.expect(der::Sequence, dp, "DistributionPoint")) {
            Reader f(dp, origin);
            Element dpName, fullName;
            if (f.optional(der::contextTag(0, true), dpName)) {
                Reader n(dpName, origin);
                if (n.optional(der::contextTag(0, true), fullName)
                    && !parseGeneralNames(fullName, origin, info.crlDistributionPoints, error))
                    return false;
            }
        }
        if (points.failed())
            return failWith(points);
        for (QString& uri : info.crlDistributionPoints)
            if (uri.startsWith(QLatin1String("URI:")))
                uri.remove(0, 4);
    } else if (oid == Ext::AuthorityInfoAccess) {
        if (!r.expect(der::Sequence, e, "AuthorityInfoAccessSyntax"))
            return failWith(r);
        Reader descs(e, origin);
        Element ad;
        while (!descs.atEnd() && descs.expect(der::Sequence, ad, "AccessDescription")) {
            Reader f(ad, origin);
            Element method, location;
            if (!f.expect(der::Oid, method, "accessMethod") || !f.next(location))
                return failWith(f);
            QString where = generalNameToString(location, origin, false);
            if (where.startsWith(QLatin1String("URI:")))
                where.remove(0, 4);
            static const std::string kOcsp = der::encodeOid("1.3.6.1.5.5.7.48.1");
            static const std::string kCaIssuers = der::encodeOid("1.3.6.1.5.5.7.48.2");
            if (der::oidBytes(method) == kOcsp)
                info.ocspUrls << where;
            else if (der::oidBytes(method) == kCaIssuers)
                info.caIssuersUrls << where;
        }
        if (descs.failed())
            return failWith(descs);
    } else if (oid == Ext::NameConstraints) {
        if (!r.expect(der::Sequence, e, "NameConstraints"))
            return failWith(r);
        Reader f(e, origin);
        Element subtrees;
        while (!f.atEnd() && f.next(subtrees)) {
            QStringList& target = subtrees.tag == der::contextTag(0, true) ? info.permittedSubtrees : info.excludedSubtrees;
            Reader s(subtrees, origin);
            Element subtree;
            while (!s.atEnd() && s.expect(der::Sequence, subtree, "GeneralSubtree")) {
                Reader b(subtree, origin);
                Element base;
                if (b.next(base))
                    target << generalNameToString(base, origin, true);
            }
            if (s.failed())
                return failWith(s);
        }
        if (f.failed())
            return failWith(f);
    } else if (critical && oid == Ext::Unknown) {
        info.unknownCriticalExtensions << QString::fromStdString(der::oidToString(oidElement));
    }
    return true;
}

} // namespace

bool parseCertificateDer(const std::uint8_t* data, std::size_t size, CertificateInfo& info, std::size_t& consumed,
                         QString& error)
{
    const std::uint8_t* origin = data;
    Reader top(data, data + size, origin);
    Element cert, tbs, e;
    const auto failWith = [&](const Reader& r) {
        error = r.error();
        return false;
    };
    if (!top.expect(der::Sequence, cert, "Certificate SEQUENCE"))
        return failWith(top);
    consumed = cert.totalSize();

    Reader c(cert, origin);
    if (!c.expect(der::Sequence, tbs, "TBSCertificate"))
        return failWith(c);
    Element outerSigAlg, sigValue;
    if (!c.expect(der::Sequence, outerSigAlg, "signatureAlgorithm") || !c.expect(der::BitString, sigValue, "signature"))
        return failWith(c);

    Reader t(tbs, origin);
    info.version = 1;
    if (t.optional(der::contextTag(0, true), e)) {
        Reader v(e, origin);
        Element versionInt;
        if (!v.expect(der::Integer, versionInt, "version"))
            return failWith(v);
        if (versionInt.length != 1 || versionInt.content[0] > 2) {
            error = QStringLiteral("DER error at byte %1: unsupported certificate version").arg(versionInt.begin - origin);
            return false;
        }
        info.version = versionInt.content[0] + 1;
    }
    Element serial, sigAlg, issuer, validity, subject, spki;
    if (!t.expect(der::Integer, serial, "serialNumber") || !t.expect(der::Sequence, sigAlg, "signature AlgorithmIdentifier")
        || !t.expect(der::Sequence, issuer, "issuer Name") || !t.expect(der::Sequence, validity, "validity")
        || !t.expect(der::Sequence, subject, "subject Name") || !t.expect(der::Sequence, spki, "subjectPublicKeyInfo"))
        return failWith(t);

    {
        const std::uint8_t* p = serial.content;
        std::size_t n = serial.length;
        while (n > 1 && *p == 0) { // OpenSSL prints the magnitude without leading zero octets
            ++p;
            --n;
        }
        info.serialHex = der::hex(p, n, false).toUpper();
    }

    {
        Reader a(sigAlg, origin);
        Element oid;
        if (!a.expect(der::Oid, oid, "signature algorithm OID"))
            return failWith(a);
        if (const SigAlg* known = signatureAlgorithms().find(oid)) {
            info.signatureAlgorithm = QLatin1String(known->name);
            info.signatureHash = QLatin1String(known->hash);
        } else {
            info.signatureAlgorithm = QString::fromStdString(der::oidToString(oid));
        }
    }

    if (!parseName(issuer, origin, info.issuer, error) || !parseName(subject, origin, info.subject, error))
        return false;

    {
        Reader v(validity, origin);
        Element nb, na;
        if (!v.next(nb) || !v.next(na))
            return failWith(v);
        if (!der::parseTime(nb, info.notBefore) || !der::parseTime(na, info.notAfter)) {
            error = QStringLiteral("DER error at byte %1: validity is not a valid UTCTime/GeneralizedTime")
                        .arg(validity.begin - origin);
            return false;
        }
    }

    {
        Reader k(spki, origin);
        Element alg, bits, oid, params;
        if (!k.expect(der::Sequence, alg, "public key AlgorithmIdentifier") || !k.expect(der::BitString, bits, "public key"))
            return failWith(k);
        Reader a(alg, origin);
        if (!a.expect(der::Oid, oid, "public key algorithm OID"))
            return failWith(a);
        const KeyAlg* knownAlg = keyAlgorithms().find(oid);
        const KeyAlg keyAlg = knownAlg ? *knownAlg : KeyAlg::Unknown;
        if (keyAlg == KeyAlg::Rsa || keyAlg == KeyAlg::RsaPss) {
            info.keyAlgorithm = keyAlg == KeyAlg::Rsa ? QStringLiteral("RSA") : QStringLiteral("RSA-PSS");
            if (!parseRsaBits(bits, origin, info.keyBits)) {
                error = QStringLiteral("DER error at byte %1: RSA public key is malformed").arg(bits.begin - origin);
                return false;
            }
        } else if (keyAlg == KeyAlg::Ec) {
            info.keyAlgorithm = QStringLiteral("EC");
            if (a.optional(der::Oid, params)) {
                if (const char* const* known = curves().find(params)) {
                    info.curve = QLatin1String(*known);
                    info.keyBits = curveBits(*known);
                } else {
                    info.curve = QString::fromStdString(der::oidToString(params));
                }
            } else {
                info.curve = QStringLiteral("explicit parameters");
            }
        } else if (keyAlg == KeyAlg::Ed25519) {
            info.keyAlgorithm = QStringLiteral("Ed25519");
            info.keyBits = 256;
        } else if (keyAlg == KeyAlg::Ed448) {
            info.keyAlgorithm = QStringLiteral("Ed448");
            info.keyBits = 456;
        } else if (keyAlg == KeyAlg::Dsa) {
            info.keyAlgorithm = QStringLiteral("DSA");
            Element dsaParams, pInt;
            if (a.optional(der::Sequence, dsaParams)) {
                Reader d(dsaParams, origin);
                if (d.expect(der::Integer, pInt, "DSA p")) {
                    std::size_t n = pInt.length;
                    const std::uint8_t* p = pInt.content;
                    while (n > 0 && *p == 0) {
                        ++p;
                        --n;
                    }
                    info.keyBits = int(n * 8);
                }
            }
        } else {
            info.keyAlgorithm = QString::fromStdString(der::oidToString(oid));
        }
        info.spkiSha256 = ossl::sha256(QByteArrayView(reinterpret_cast<const char*>(spki.begin), qsizetype(spki.totalSize())));
    }

    // issuerUniqueID [1], subjectUniqueID [2] (v2/v3 only), then extensions [3]
    t.optional(der::contextTag(1, false), e);
    t.optional(der::contextTag(2, false), e);
    if (t.optional(der::contextTag(3, true), e)) {
        Reader wrap(e, origin);
        Element list, ext;
        if (!wrap.expect(der::Sequence, list, "Extensions"))
            return failWith(wrap);
        Reader exts(list, origin);
        while (!exts.atEnd() && exts.expect(der::Sequence, ext, "Extension")) {
            Reader f(ext, origin);
            Element oid, critical, value;
            if (!f.expect(der::Oid, oid, "extnID"))
                return failWith(f);
            bool isCritical = false;
            if (f.optional(der::Boolean, critical))
                isCritical = critical.length == 1 && critical.content[0] != 0;
            if (!f.expect(der::OctetString, value, "extnValue"))
                return failWith(f);
            if (!parseExtension(oid, isCritical, value, origin, info, error))
                return false;
        }
        if (exts.failed())
            return failWith(exts);
    }
    if (t.failed())
        return failWith(t);
    if (!t.atEnd()) {
        error = QStringLiteral("DER error: unexpected data after the extensions of the TBSCertificate");
        return false;
    }

    const auto certBytes = QByteArrayView(reinterpret_cast<const char*>(cert.begin), qsizetype(cert.totalSize()));
    info.sha256 = ossl::sha256(certBytes);
    info.sha1 = ossl::sha1(certBytes);
    info.selfIssued = info.subject.der == info.issuer.der;
    info.selfSigned = info.selfIssued
        && (info.authorityKeyId.isEmpty() || info.subjectKeyId.isEmpty() || info.authorityKeyId == info.subjectKeyId);
    return true;
}

QString CertificateInfo::keyDescription() const
{
    if (keyAlgorithm == QLatin1String("EC"))
        return QStringLiteral("EC ") + curve;
    if (keyAlgorithm == QLatin1String("Ed25519") || keyAlgorithm == QLatin1String("Ed448"))
        return keyAlgorithm;
    if (keyBits > 0)
        return keyAlgorithm + QLatin1Char(' ') + QString::number(keyBits);
    return keyAlgorithm;
}

QStringList CertificateInfo::keyUsage() const
{
    static const char* const names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                        "dataEncipherment", "keyAgreement",   "keyCertSign",
                                        "cRLSign",          "encipherOnly",   "decipherOnly"};
    QStringList out;
    for (int i = 0; i < 9; ++i)
        if (keyUsageBits & (1u << i))
            out << QLatin1String(names[i]);
    return out;
}

QString CertificateInfo::sha256Hex() const
{
    return der::hex(sha256, false);
}

QString CertificateInfo::sha1Hex() const
{
    return der::hex(sha1, false);
}

QString CertificateInfo::spkiPin() const
{
    return QString::fromLatin1(spkiSha256.toBase64());
}

} // namespace certrotor
