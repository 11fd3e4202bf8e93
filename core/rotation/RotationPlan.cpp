// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/RotationPlan.h"

#include "kube/KubeObjectRef.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <set>
#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;

namespace certrotor::rotation {

namespace {

/// A plan error at a node's line.
struct PlanError {
    QString message;
    int line = 0;
};

QString text(const YAML::Node& n)
{
    return QString::fromStdString(n.as<std::string>());
}

void requireKeys(const YAML::Node& map, const std::set<std::string>& allowed, const QString& what)
{
    if (!map.IsMap())
        throw PlanError { u"%1 must be a mapping"_s.arg(what), map.Mark().line + 1 };
    for (const auto& kv : map) {
        const std::string key = kv.first.as<std::string>();
        if (!allowed.count(key)) {
            QStringList names;
            for (const std::string& a : allowed)
                names << QString::fromStdString(a);
            throw PlanError { u"unknown key '%1' in %2 (known: %3)"_s.arg(QString::fromStdString(key), what,
                                                                          names.join(u", "_s)),
                              kv.first.Mark().line + 1 };
        }
    }
}

QString scalar(const YAML::Node& map, const char* key, const QString& what)
{
    const YAML::Node n = map[key];
    if (!n)
        return {};
    if (!n.IsScalar())
        throw PlanError { u"%1: '%2' must be a single value"_s.arg(what, QString::fromLatin1(key)), n.Mark().line + 1 };
    return text(n);
}

int deadlineMs(const YAML::Node& map, const QString& what)
{
    const QString v = scalar(map, "confirmDeadline", what);
    if (v.isEmpty())
        return -1;
    bool ok = false;
    const int secs = v.toInt(&ok);
    if (!ok || secs < 1 || secs > 7 * 24 * 3600)
        throw PlanError { u"%1: confirmDeadline takes seconds from 1 to 604800, not '%2'"_s.arg(what, v),
                          map["confirmDeadline"].Mark().line + 1 };
    return secs * 1000;
}

QString resolved(const QString& spec, const QString& baseDir)
{
    if (kube::KubeObjectRef::looksLike(spec) || QDir::isAbsolutePath(spec))
        return spec;
    return QDir(baseDir).absoluteFilePath(spec);
}

} // namespace

Result<RotationPlan> parseRotationPlan(const QByteArray& yaml, const QString& path)
{
    RotationPlan plan;
    plan.path = path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath();
    const QString baseDir = path.isEmpty() ? QDir::currentPath() : QFileInfo(path).absolutePath();
    const QString where = path.isEmpty() ? u"rotation plan"_s : path;
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (!root || root.IsNull())
            return Error { u"the rotation plan is empty"_s, where, u"plan"_s };
        requireKeys(root, { "candidate", "expectSha256", "mode", "confirmDeadline", "waves" }, u"the plan"_s);
        const QString candidate = scalar(root, "candidate", u"the plan"_s);
        if (!candidate.isEmpty())
            plan.candidatePath = resolved(candidate, baseDir);
        plan.expectSha256 = scalar(root, "expectSha256", u"the plan"_s);
        const QString mode = scalar(root, "mode", u"the plan"_s);
        if (mode == u"replace"_s)
            plan.mode = Rotation::Mode::Replace;
        else if (!mode.isEmpty() && mode != u"overlap"_s)
            throw PlanError { u"mode is overlap or replace, not '%1'"_s.arg(mode), root["mode"].Mark().line + 1 };
        const int planDeadline = deadlineMs(root, u"the plan"_s);
        const YAML::Node waves = root["waves"];
        if (!waves || !waves.IsSequence() || waves.size() == 0)
            throw PlanError { u"the plan needs 'waves:', a list of waves, each with its destinations"_s,
                              waves ? waves.Mark().line + 1 : root.Mark().line + 1 };
        QStringList seen;
        int index = 0;
        for (const YAML::Node& wave : waves) {
            const QString waveWhat = u"wave %1"_s.arg(index + 1);
            requireKeys(wave, { "name", "destinations", "confirmDeadline" }, waveWhat);
            QString name = scalar(wave, "name", waveWhat);
            if (name.isEmpty())
                name = u"wave %1"_s.arg(index + 1);
            const int waveDeadline = deadlineMs(wave, waveWhat);
            const YAML::Node dests = wave["destinations"];
            if (!dests || !dests.IsSequence() || dests.size() == 0)
                throw PlanError { u"%1 (%2) needs 'destinations:', a list of stores with their targets"_s.arg(waveWhat,
                                                                                                              name),
                                  wave.Mark().line + 1 };
            for (const YAML::Node& d : dests) {
                const QString destWhat = u"a destination of %1"_s.arg(waveWhat);
                requireKeys(d, { "store", "targets", "confirmDeadline" }, destWhat);
                Rotation::DestinationSpec spec;
                spec.spec = scalar(d, "store", destWhat);
                if (spec.spec.isEmpty())
                    throw PlanError { destWhat + u" needs 'store:' (a file, secret://… or configmap://…)"_s,
                                      d.Mark().line + 1 };
                spec.spec = resolved(spec.spec, baseDir);
                if (seen.contains(spec.spec))
                    throw PlanError { u"%1 is named twice"_s.arg(spec.spec), d.Mark().line + 1 };
                seen << spec.spec;
                const YAML::Node targets = d["targets"];
                if (targets) {
                    if (targets.IsScalar()) {
                        spec.targets << text(targets);
                    } else if (targets.IsSequence()) {
                        for (const YAML::Node& t : targets) {
                            if (!t.IsScalar())
                                throw PlanError {
                                    destWhat + u": each target is HOST:PORT[;servername=NAME][;service=NAME]"_s,
                                    t.Mark().line + 1
                                };
                            const QString target = text(t);
                            if (Result<ProbeTarget> pt = parseTargetSpec(target); !pt.ok())
                                throw PlanError { u"target %1: %2"_s.arg(target, pt.error().message),
                                                  t.Mark().line + 1 };
                            spec.targets << target;
                        }
                    } else {
                        throw PlanError { destWhat + u": 'targets:' is a list of HOST:PORT"_s,
                                          targets.Mark().line + 1 };
                    }
                }
                spec.wave = index;
                spec.waveName = name;
                const int own = deadlineMs(d, destWhat);
                spec.confirmDeadlineMs = own > 0 ? own : (waveDeadline > 0 ? waveDeadline : planDeadline);
                plan.destinations << spec;
            }
            plan.waveNames << name;
            ++index;
        }
    } catch (const PlanError& e) {
        return Error { u"line %1: %2"_s.arg(e.line).arg(e.message), where, u"plan"_s };
    } catch (const YAML::Exception& e) {
        return Error { u"line %1: %2"_s.arg(e.mark.line + 1).arg(QString::fromStdString(e.msg)), where, u"plan"_s };
    }
    return plan;
}

Result<RotationPlan> loadRotationPlan(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error { u"cannot read the rotation plan: "_s + f.errorString(), path, u"io"_s };
    return parseRotationPlan(f.read(1 << 20), path);
}

} // namespace certrotor::rotation
