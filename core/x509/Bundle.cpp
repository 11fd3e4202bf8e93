// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/Bundle.h"

#include "util/Logging.h"
#include "x509/OpenSsl.h"

#include <QFile>
#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <cstring>
#include <vector>

namespace certrotor {

QString SourceLocation::text() const
{
    QString out = file;
    if (block > 0) {
        out += QStringLiteral(": block %1").arg(block);
        if (line > 0)
            out += QStringLiteral(", line %1").arg(line);
    } else if (line > 0) {
        out += QStringLiteral(": line %1").arg(line);
    }
    if (item > 0)
        out += QStringLiteral(": PKCS#7 certificate %1").arg(item);
    return out;
}

bool Bundle::hasErrors() const
{
    for (const ParseIssue& issue : issues)
        if (issue.severity == ParseIssue::Severity::Error)
            return true;
    return false;
}

QList<Certificate> Bundle::certificates() const
{
    QList<Certificate> out;
    out.reserve(entries.size());
    for (const BundleEntry& e : entries)
        out << e.certificate;
    return out;
}

namespace {

enum class BlockKind { Certificate, TrustedCertificate, Pkcs7, PrivateKey, Crl, Other };

BlockKind classify(QByteArrayView label)
{
    if (label == "CERTIFICATE" || label == "X509 CERTIFICATE")
        return BlockKind::Certificate;
    if (label == "TRUSTED CERTIFICATE")
        return BlockKind::TrustedCertificate;
    if (label == "PKCS7" || label == "PKCS #7 SIGNED DATA" || label == "CERTIFICATE CHAIN")
        return BlockKind::Pkcs7;
    if (label.endsWith("PRIVATE KEY"))
        return BlockKind::PrivateKey;
    if (label == "X509 CRL")
        return BlockKind::Crl;
    return BlockKind::Other;
}

// One PEM block found by the line scan, decoded later (possibly on another thread).
struct Block
{
    int number = 0;
    int beginLine = 0;
    int bodyFirstLine = 0;
    QByteArrayView label;
    const char* body = nullptr;
    const char* bodyEnd = nullptr;
    QString structuralError; // set by the scan: missing END line, mismatched END
    // results
    QList<BundleEntry> entries;
    QList<ParseIssue> issues;
};

constexpr signed char kInvalid = -1;
constexpr signed char kSkip = -2;
constexpr signed char kPad = -3;

struct Base64Table
{
    signed char v[256];
    constexpr Base64Table() : v()
    {
        for (int i = 0; i < 256; ++i)
            v[i] = kInvalid;
        for (int i = 0; i < 26; ++i) {
            v['A' + i] = static_cast<signed char>(i);
            v['a' + i] = static_cast<signed char>(26 + i);
        }
        for (int i = 0; i < 10; ++i)
            v['0' + i] = static_cast<signed char>(52 + i);
        v[int('+')] = 62;
        v[int('/')] = 63;
        v[int('=')] = kPad;
        v[int(' ')] = v[int('\t')] = v[int('\r')] = v[int('\n')] = kSkip;
    }
};
constexpr Base64Table kBase64;

QString describeChar(unsigned char c)
{
    if (c >= 0x21 && c < 0x7f)
        return QStringLiteral("'%1'").arg(QLatin1Char(char(c)));
    return QStringLiteral("byte 0x%1").arg(unsigned(c), 2, 16, QLatin1Char('0'));
}

// Strict base64 over a PEM body. On error, `errorLine` is the line it was found on.
bool decodeBase64(const char* p, const char* end, int firstLine, QByteArray& out, QString& error, int& errorLine)
{
    out.resize((end - p) / 4 * 3 + 3);
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    int line = firstLine;
    int lastDataLine = firstLine;
    unsigned quad = 0;
    int have = 0;
    int pads = 0;
    qsizetype chars = 0;
    for (; p < end; ++p) {
        const unsigned char c = static_cast<unsigned char>(*p);
        const signed char v = kBase64.v[c];
        if (v >= 0) {
            if (pads) {
                error = QStringLiteral("base64 continues after '=' padding");
                errorLine = line;
                return false;
            }
            quad = (quad << 6) | unsigned(v);
            ++chars;
            lastDataLine = line;
            if (++have == 4) {
                *o++ = static_cast<unsigned char>(quad >> 16);
                *o++ = static_cast<unsigned char>(quad >> 8);
                *o++ = static_cast<unsigned char>(quad);
                have = 0;
                quad = 0;
            }
        } else if (v == kSkip) {
            if (c == '\n')
                ++line;
        } else if (v == kPad) {
            ++pads;
            ++chars;
            lastDataLine = line;
            if (have < 2 || have + pads > 4) {
                error = QStringLiteral("misplaced '=' padding in base64");
                errorLine = line;
                return false;
            }
            if (have + pads == 4) {
                *o++ = static_cast<unsigned char>(quad >> (have == 3 ? 10 : 4));
                if (have == 3)
                    *o++ = static_cast<unsigned char>(quad >> 2);
                have = 0;
                quad = 0;
            }
        } else {
            error = QStringLiteral("invalid character %1 in base64").arg(describeChar(c));
            errorLine = line;
            return false;
        }
    }
    if (have != 0) {
        error = QStringLiteral("truncated base64 (%1 characters, not a multiple of 4)").arg(chars);
        errorLine = lastDataLine;
        return false;
    }
    out.resize(reinterpret_cast<char*>(o) - out.data());
    return true;
}

void addCertificate(Block& block, const QString& file, const std::uint8_t* der, std::size_t size, bool trusted,
                    int item)
{
    SourceLocation where{file, block.number, block.beginLine, item};
    CertificateInfo info;
    std::size_t consumed = 0;
    QString error;
    if (!parseCertificateDer(der, size, info, consumed, error)) {
        block.issues << ParseIssue{ParseIssue::Severity::Error, where, error};
        return;
    }
    if (consumed < size && !trusted)
        block.issues << ParseIssue{ParseIssue::Severity::Warning, where,
                                   QStringLiteral("%1 bytes after the certificate were ignored").arg(size - consumed)};
    block.entries << BundleEntry{
        Certificate::fromParsed(QByteArray(reinterpret_cast<const char*>(der), qsizetype(consumed)), std::move(info)),
        where};
}

void addPkcs7(Block& block, const QString& file, const QByteArray& der)
{
    SourceLocation where{file, block.number, block.beginLine, 0};
    auto p = reinterpret_cast<const unsigned char*>(der.constData());
    ossl::Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, long(der.size())));
    if (!p7) {
        block.issues << ParseIssue{ParseIssue::Severity::Error, where,
                                   QStringLiteral("not a valid PKCS#7 structure: ") + ossl::drainErrors()};
        return;
    }
    STACK_OF(X509)* certs = nullptr;
    if (PKCS7_type_is_signed(p7.get()) && p7->d.sign)
        certs = p7->d.sign->cert;
    else if (PKCS7_type_is_signedAndEnveloped(p7.get()) && p7->d.signed_and_enveloped)
        certs = p7->d.signed_and_enveloped->cert;
    else {
        block.issues << ParseIssue{ParseIssue::Severity::Error, where,
                                   QStringLiteral("PKCS#7 structure is not signed data, so it holds no certificates")};
        return;
    }
    const int n = certs ? sk_X509_num(certs) : 0;
    if (n == 0)
        block.issues << ParseIssue{ParseIssue::Severity::Warning, where, QStringLiteral("PKCS#7 structure holds no certificates")};
    for (int i = 0; i < n; ++i) {
        const QByteArray one = ossl::toDer(sk_X509_value(certs, i));
        addCertificate(block, file, reinterpret_cast<const std::uint8_t*>(one.constData()), std::size_t(one.size()),
                       false, i + 1);
    }
}

void decodeBlock(Block& block, const QString& file)
{
    SourceLocation where{file, block.number, block.beginLine, 0};
    const BlockKind kind = classify(block.label);
    if (!block.structuralError.isEmpty()) {
        block.issues << ParseIssue{ParseIssue::Severity::Error, where, block.structuralError};
        return;
    }
    switch (kind) {
    case BlockKind::PrivateKey:
        // Never decode it, never echo it: only say that it is there.
        block.issues << ParseIssue{ParseIssue::Severity::Warning, where,
                                   QStringLiteral("a private key (%1) is in the bundle; skipped — a trust bundle should "
                                                  "never contain one")
                                       .arg(QString::fromLatin1(block.label))};
        return;
    case BlockKind::Crl:
        block.issues << ParseIssue{ParseIssue::Severity::Warning, where, QStringLiteral("a CRL block; skipped")};
        return;
    case BlockKind::Other:
        block.issues << ParseIssue{ParseIssue::Severity::Warning, where,
                                   QStringLiteral("a '%1' block is not a certificate; skipped")
                                       .arg(QString::fromLatin1(block.label.first(std::min<qsizetype>(block.label.size(), 40))))};
        return;
    default:
        break;
    }

    // RFC 1421 headers ("Proc-Type: ...") end at the first empty line.
    const char* body = block.body;
    int firstLine = block.bodyFirstLine;
    {
        const char* nl = static_cast<const char*>(std::memchr(body, '\n', std::size_t(block.bodyEnd - body)));
        const char* lineEnd = nl ? nl : block.bodyEnd;
        if (std::memchr(body, ':', std::size_t(lineEnd - body))) {
            const char* p = body;
            int line = firstLine;
            while (p < block.bodyEnd) {
                const char* e = static_cast<const char*>(std::memchr(p, '\n', std::size_t(block.bodyEnd - p)));
                const char* le = e ? e : block.bodyEnd;
                const bool blank = le == p || (le - p == 1 && *p == '\r');
                p = e ? e + 1 : block.bodyEnd;
                ++line;
                if (blank)
                    break;
            }
            body = p;
            firstLine = line;
        }
    }

    QByteArray der;
    QString error;
    int errorLine = 0;
    if (!decodeBase64(body, block.bodyEnd, firstLine, der, error, errorLine)) {
        block.issues << ParseIssue{ParseIssue::Severity::Error, SourceLocation{file, block.number, errorLine, 0}, error};
        return;
    }
    if (der.isEmpty()) {
        block.issues << ParseIssue{ParseIssue::Severity::Error, where, QStringLiteral("empty PEM block")};
        return;
    }
    if (kind == BlockKind::Pkcs7)
        addPkcs7(block, file, der);
    else
        addCertificate(block, file, reinterpret_cast<const std::uint8_t*>(der.constData()), std::size_t(der.size()),
                       kind == BlockKind::TrustedCertificate, 0);
}

bool startsWith(const char* p, const char* end, const char* prefix, std::size_t n)
{
    return std::size_t(end - p) >= n && std::memcmp(p, prefix, n) == 0;
}

// Splits PEM text into blocks by their BEGIN/END lines. Linear; the only serial part of a parse.
void scanPem(const char* data, const char* end, std::vector<Block>& blocks, QList<ParseIssue>& issues, const QString& file)
{
    static constexpr char kBegin[] = "-----BEGIN ";
    static constexpr char kEnd[] = "-----END ";
    int line = 0;
    Block* open = nullptr;
    const char* p = data;
    while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
        const char* lineEnd = nl ? nl : end;
        const char* next = nl ? nl + 1 : end;
        ++line;
        const char* trimmed = lineEnd;
        while (trimmed > p && (trimmed[-1] == '\r' || trimmed[-1] == ' ' || trimmed[-1] == '\t'))
            --trimmed;
        if (*p == '-' && startsWith(p, trimmed, kBegin, sizeof kBegin - 1)) {
            if (open) {
                open->bodyEnd = p;
                open->structuralError = QStringLiteral("PEM block is truncated: no END line before the next BEGIN on line %1")
                                            .arg(line);
            }
            blocks.emplace_back();
            open = &blocks.back();
            open->number = int(blocks.size());
            open->beginLine = line;
            open->bodyFirstLine = line + 1;
            open->body = next;
            const char* labelBegin = p + sizeof kBegin - 1;
            const char* labelEnd = trimmed;
            if (labelEnd - labelBegin >= 5 && std::memcmp(labelEnd - 5, "-----", 5) == 0)
                labelEnd -= 5;
            else
                open->structuralError = QStringLiteral("malformed BEGIN line");
            open->label = QByteArrayView(labelBegin, labelEnd - labelBegin);
        } else if (*p == '-' && startsWith(p, trimmed, kEnd, sizeof kEnd - 1)) {
            if (!open) {
                issues << ParseIssue{ParseIssue::Severity::Warning, SourceLocation{file, 0, line, 0},
                                     QStringLiteral("END line without a BEGIN line; ignored")};
            } else {
                open->bodyEnd = p;
                const char* labelBegin = p + sizeof kEnd - 1;
                const char* labelEnd = trimmed;
                if (labelEnd - labelBegin >= 5 && std::memcmp(labelEnd - 5, "-----", 5) == 0)
                    labelEnd -= 5;
                const QByteArrayView endLabel(labelBegin, labelEnd - labelBegin);
                if (endLabel != open->label && open->structuralError.isEmpty())
                    open->structuralError = QStringLiteral("END line (line %1) says '%2' but the block began as '%3'")
                                                .arg(line)
                                                .arg(QString::fromLatin1(endLabel.first(std::min<qsizetype>(endLabel.size(), 40))),
                                                     QString::fromLatin1(open->label.first(std::min<qsizetype>(open->label.size(), 40))));
                open = nullptr;
            }
        }
        p = next;
    }
    if (open) {
        open->bodyEnd = end;
        open->structuralError =
            QStringLiteral("PEM block is truncated: the input ends on line %1 before its END line").arg(line);
    }
}

// Decodes every block. Work is handed out in small grains from an atomic cursor and the calling
// thread takes part, so a pool thread that is slow to start (a loaded machine) never leaves the
// caller waiting idle: the worst case is the single-threaded time.
void decodeAll(std::vector<Block>& blocks, const QString& name, bool parallel)
{
    constexpr std::size_t kGrain = 32;
    const std::size_t n = blocks.size();
    std::atomic<std::size_t> cursor{0};
    const auto work = [&] {
        for (;;) {
            const std::size_t start = cursor.fetch_add(kGrain, std::memory_order_relaxed);
            if (start >= n)
                return;
            const std::size_t end = std::min(n, start + kGrain);
            for (std::size_t i = start; i < end; ++i)
                decodeBlock(blocks[i], name);
        }
    };
    QList<QFuture<void>> helpers;
    if (parallel && n >= 2 * kGrain) {
        const int extra = std::min<int>(QThreadPool::globalInstance()->maxThreadCount() - 1, int(n / kGrain) - 1);
        for (int i = 0; i < extra; ++i)
            helpers << QtConcurrent::run(work);
    }
    work();
    for (QFuture<void>& f : helpers)
        f.waitForFinished();
}

bool isBlank(QByteArrayView data)
{
    for (char c : data)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return false;
    return true;
}

void parseDer(QByteArrayView data, const QString& file, Bundle& bundle)
{
    Block block; // block 0: the whole file
    const auto* der = reinterpret_cast<const std::uint8_t*>(data.data());
    CertificateInfo info;
    std::size_t consumed = 0;
    QString certError;
    if (parseCertificateDer(der, std::size_t(data.size()), info, consumed, certError)) {
        addCertificate(block, file, der, std::size_t(data.size()), false, 0);
    } else {
        auto p = reinterpret_cast<const unsigned char*>(data.data());
        ossl::Pkcs7Ptr probe(d2i_PKCS7(nullptr, &p, long(data.size())));
        ossl::clearErrors();
        if (probe) {
            addPkcs7(block, file, data.toByteArray());
        } else {
            block.issues << ParseIssue{ParseIssue::Severity::Error, SourceLocation{file, 0, 0, 0},
                                       QStringLiteral("not PEM, not a DER certificate and not DER PKCS#7 (as a "
                                                      "certificate: %1)")
                                           .arg(certError)};
        }
    }
    bundle.entries << block.entries;
    bundle.issues << block.issues;
}

} // namespace

Bundle parseBundle(QByteArrayView data, const QString& name, const ParseOptions& options)
{
    Bundle bundle;
    bundle.name = name;
    // The revision hash of a big input runs beside the decoding instead of before it.
    const bool hashAside = options.parallel && data.size() > (1 << 20);
    QFuture<QByteArray> contentHash;
    if (hashAside)
        contentHash = QtConcurrent::run([data] { return ossl::sha256(data); });
    else
        bundle.contentSha256 = ossl::sha256(data);
    const auto finishHash = [&] {
        if (hashAside)
            bundle.contentSha256 = contentHash.result();
    };
    if (isBlank(data)) {
        finishHash();
        bundle.issues << ParseIssue{ParseIssue::Severity::Error, SourceLocation{name, 0, 0, 0},
                                    QStringLiteral("empty input: no certificates")};
        return bundle;
    }
    const QByteArrayView marker("-----BEGIN ");
    if (data.indexOf(marker) < 0) {
        finishHash();
        if (static_cast<unsigned char>(data.front()) == 0x30) {
            parseDer(data, name, bundle);
        } else {
            bundle.issues << ParseIssue{ParseIssue::Severity::Error, SourceLocation{name, 0, 0, 0},
                                        QStringLiteral("no PEM block (-----BEGIN …-----) found and the data is not DER")};
        }
        return bundle;
    }

    std::vector<Block> blocks;
    scanPem(data.data(), data.data() + data.size(), blocks, bundle.issues, name);
    decodeAll(blocks, name, options.parallel);
    finishHash();
    qsizetype total = 0;
    for (const Block& b : blocks)
        total += b.entries.size();
    bundle.entries.reserve(total);
    for (Block& b : blocks) {
        bundle.entries << b.entries;
        bundle.issues << b.issues;
    }
    std::stable_sort(bundle.issues.begin(), bundle.issues.end(), [](const ParseIssue& a, const ParseIssue& b) {
        return a.where.block != b.where.block ? a.where.block < b.where.block : a.where.line < b.where.line;
    });
    qCDebug(lcX509) << name << "parsed:" << bundle.entries.size() << "certificates," << bundle.issues.size()
                    << "issues, from" << blocks.size() << "blocks";
    if (bundle.entries.isEmpty() && !bundle.hasErrors())
        bundle.issues << ParseIssue{ParseIssue::Severity::Error, SourceLocation{name, 0, 0, 0},
                                    QStringLiteral("no certificates found")};
    return bundle;
}

QStringList bundleFilesInDirectory(const QString& directory)
{
    const QDir dir(directory);
    QStringList out;
    QSet<QString> targets;
    for (const QFileInfo& info : dir.entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name)) {
        const QString target = info.canonicalFilePath();
        if (target.isEmpty() || targets.contains(target))
            continue; // dangling, or another link to a file already listed
        targets.insert(target);
        out << dir.filePath(info.fileName());
    }
    return out;
}

Result<QByteArray> readBundleFile(const QString& path)
{
    QFile file;
    const QString name = path == QLatin1String("-") ? QStringLiteral("<stdin>") : path;
    if (path == QLatin1String("-")) {
        if (!file.open(stdin, QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot read standard input"), name};
    } else {
        file.setFileName(path);
        if (QFileInfo(path).isDir())
            return Error{QStringLiteral("is a directory, not a bundle file"), name};
        if (!file.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot open: ") + file.errorString(), name};
    }
    QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return Error{QStringLiteral("cannot read: ") + file.errorString(), name};
    return data;
}

Result<Bundle> loadBundleFile(const QString& path, const ParseOptions& options)
{
    Result<QByteArray> data = readBundleFile(path);
    if (!data.ok())
        return data.error();
    return parseBundle(data.value(), path == QLatin1String("-") ? QStringLiteral("<stdin>") : path, options);
}

} // namespace certrotor
