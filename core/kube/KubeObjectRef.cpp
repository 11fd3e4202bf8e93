// SPDX-License-Identifier: GPL-3.0-or-later
#include "kube/KubeObjectRef.h"

#include <QStringList>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace certrotor::kube {

namespace {

QString encodePart(const QString& part)
{
    return QString::fromUtf8(QUrl::toPercentEncoding(part, "-._~:@!$&'()*+,;="));
}

QString decodePart(const QString& part)
{
    return QUrl::fromPercentEncoding(part.toUtf8());
}

} // namespace

QString KubeObjectRef::scheme(Kind kind)
{
    return kind == Kind::Secret ? u"secret://"_s : u"configmap://"_s;
}

QString KubeObjectRef::kindName(Kind kind)
{
    return kind == Kind::Secret ? u"Secret"_s : u"ConfigMap"_s;
}

QString KubeObjectRef::resourceName(Kind kind)
{
    return kind == Kind::Secret ? u"secrets"_s : u"configmaps"_s;
}

bool KubeObjectRef::looksLike(const QString& text)
{
    return text.startsWith(scheme(Kind::Secret)) || text.startsWith(scheme(Kind::ConfigMap));
}

Result<KubeObjectRef> KubeObjectRef::parse(const QString& uri)
{
    KubeObjectRef ref;
    QString rest;
    if (uri.startsWith(scheme(Kind::Secret))) {
        ref.kind = Kind::Secret;
        rest = uri.mid(scheme(Kind::Secret).size());
    } else if (uri.startsWith(scheme(Kind::ConfigMap))) {
        ref.kind = Kind::ConfigMap;
        rest = uri.mid(scheme(Kind::ConfigMap).size());
    } else {
        return Error{u"not a secret:// or configmap:// URI"_s, uri};
    }
    const QString form = scheme(ref.kind) + u"[CONTEXT/]NAMESPACE/NAME[#KEY]"_s;
    const qsizetype hash = rest.indexOf(u'#');
    if (hash >= 0) {
        ref.key = decodePart(rest.mid(hash + 1));
        rest.truncate(hash);
        if (ref.key.isEmpty())
            return Error{u"the key after '#' is empty"_s, uri};
    }
    QStringList parts = rest.split(u'/');
    if (parts.size() < 2 || parts.last().isEmpty() || parts.at(parts.size() - 2).isEmpty())
        return Error{u"expected "_s + form, uri};
    ref.name = decodePart(parts.takeLast());
    ref.nameSpace = decodePart(parts.takeLast());
    // Context names may themselves contain '/' (EKS: arn:aws:eks:region:acct:cluster/name).
    ref.context = decodePart(parts.join(u'/'));
    return ref;
}

QString KubeObjectRef::toUri() const
{
    QString uri = scheme(kind);
    if (!context.isEmpty())
        uri += QString::fromUtf8(QUrl::toPercentEncoding(context, "-._~:@!$&'()*+,;=/")) + u'/';
    return uri + encodePart(nameSpace) + u'/' + encodePart(name) + u'#' + encodePart(effectiveKey());
}

QString KubeObjectRef::collectionPath() const
{
    return u"/api/v1/namespaces/%1/%2"_s.arg(QString::fromUtf8(QUrl::toPercentEncoding(nameSpace)), resourceName(kind));
}

QString KubeObjectRef::apiPath() const
{
    return collectionPath() + u'/' + QString::fromUtf8(QUrl::toPercentEncoding(name));
}

} // namespace certrotor::kube
