// SPDX-License-Identifier: GPL-3.0-or-later
// certrotor-test-rotation-loop STORE CANDIDATE TARGET AUDIT_LOG: drives one rotation through the real
// core (stage once, then commit the overlap, confirm, roll back, commit again, ...) forever, picking up
// the rotation it finds in $CERTROTOR_STATE_DIR first — so a test can SIGKILL it at random moments and
// start it again, and check after every kill that the store, the state file and the audit log are whole.
// Prints "CYCLE n" after each completed step; exits 1 (with the reason on stderr) when a step fails.
#include "TestUtil.h"
#include "audit/AuditLog.h"
#include "rotation/Rotation.h"

#include <QCoreApplication>

#include <cstdio>

using namespace certrotor;
using namespace certrotor::rotation;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 5)
        return 2;
    const QString store = args.at(1);
    AuditLog log(args.at(4));
    log.openWithoutKeyring();
    Rotation::Settings settings;
    settings.audit = &log;
    settings.actor = QStringLiteral("crash-loop");
    settings.confirmDeadlineMs = 10000;
    Rotation r(settings);

    if (Result<std::monostate> resumed = r.resume(store); resumed.ok()) {
        if (r.isBusy()) {
            const Outcome settled = test::runRotationStep(r, [] {});
            if (!settled.ok) {
                std::fprintf(stderr, "resume: %s\n", qPrintable(settled.message));
                return 1;
            }
        }
    } else {
        Rotation::Request request;
        request.candidatePath = args.at(2);
        request.destinations << Rotation::DestinationSpec { store, { args.at(3) }, 0, {}, -1 };
        const Outcome staged = test::runRotationStep(r, [&] { r.stage(request); });
        if (!staged.ok) {
            std::fprintf(stderr, "stage: %s\n", qPrintable(staged.message));
            return 1;
        }
    }
    for (int cycle = 1;; ++cycle) {
        const Phase phase = r.state().destinations.first().phase;
        const Outcome o = phase == Phase::Overlap ? test::runRotationStep(r, [&] { r.rollback(); })
                                                  : test::runRotationStep(r, [&] { r.commitWave(0); });
        if (!o.ok) {
            std::fprintf(stderr, "%s: %s (%s)\n", qPrintable(o.operation), qPrintable(o.message), qPrintable(o.code));
            return 1;
        }
        std::printf("CYCLE %d %s\n", cycle, qPrintable(o.operation));
        std::fflush(stdout);
    }
}
