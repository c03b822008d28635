#!/bin/bash
# Runs commands under a Linux guest with hardware-style KVM, for hosts whose /dev/kvm
# is missing or is kvm_pvm: QEMU (TCG) emulates an AMD CPU with SVM, the guest loads
# kvm + kvm-amd, and the kvm platform's VMX/SVM path runs there. Slow (everything is
# emulated) but real KVM. Not a ctest. Needs qemu-system-x86 and a Debian kernel
# package (apt-get download linux-image-6.1.0-*-cloud-amd64-unsigned).
#
#   run-in-qemu.sh KERNEL_DEB 'cmd1; cmd2' FILE...
# FILEs (binaries, with the shared libraries ldd finds) are copied into the guest
# under the same paths; the commands run as root in the guest; its console is stdout.
# KVM_AMD_ARGS=npt=0 makes the guest KVM use shadow paging, as kvm_pvm does.
set -euo pipefail
deb=$1; cmds=$2; shift 2
work=$(mktemp -d /tmp/sbx-qemu.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/x" "$work/root"/{bin,proc,sys,dev,m,tmp}
dpkg -x "$deb" "$work/x"
for ko in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko; do
	cp "$(find "$work/x/lib/modules" -path "*/kernel/$ko")" "$work/root/m/"
done
cp /bin/busybox "$work/root/bin/busybox"
for f in "$@"; do
	mkdir -p "$work/root/$(dirname "$f")"
	cp "$f" "$work/root/$f"
	ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$work/root/$(dirname "$lib")"
		cp -L "$lib" "$work/root/$lib"
	done || true	# static binaries: ldd fails
done
cat > "$work/root/init" <<INIT
#!/bin/busybox sh
# pivot_root (the Sentry's jail) refuses the initramfs root: move onto a tmpfs first.
if [ ! -e /.inroot ]; then
	/bin/busybox mkdir /newroot
	/bin/busybox mount -t tmpfs -o size=1500m tmpfs /newroot
	for f in /*; do [ "\$f" = /newroot ] || /bin/busybox cp -a "\$f" /newroot/; done
	/bin/busybox touch /newroot/.inroot
	exec /bin/busybox switch_root /newroot /init
fi
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
insmod /m/irqbypass.ko; insmod /m/kvm.ko; insmod /m/kvm-amd.ko ${KVM_AMD_ARGS:-} || echo "insmod kvm-amd failed"
cat /sys/module/kvm_amd/parameters/npt
ls -l /dev/kvm
echo "=== sbx-qemu: running"
cd /tmp
$cmds
echo "=== sbx-qemu: exit \$?"
poweroff -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | busybox cpio -o -H newc 2>/dev/null) > "$work/initrd"
timeout "${QEMU_TIMEOUT:-1500}" qemu-system-x86_64 -machine q35 -cpu EPYC,+svm,+npt -smp 2 -m 2048 \
	-kernel "$work/x/boot/vmlinuz-"* -initrd "$work/initrd" -nographic -no-reboot \
	-append "console=ttyS0 quiet panic=-1"
