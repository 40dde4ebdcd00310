package qemutest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Guest programs.
//
// Events such as RTC_CHANGE or GUEST_PANICKED only happen when the guest
// itself does something, so Options.Guest selects a tiny real-mode boot
// sector, assembled at test time with as/ld (binutils), that performs a
// comma-separated list of steps in order, e.g. "rtc,ioerror,reset,shutdown".
//
// The index of the next step lives in a CMOS NVRAM byte, which survives
// resets (QEMU does not clear NVRAM on reset). Each step first advances the
// index and then acts, so a "reset" step reboots the guest into the step that
// follows it instead of looping, and a step that stops the VM (watchdog,
// ioerror) carries on after the test sends "cont". After the last step the
// guest halts with interrupts off.
//
// Steps and the events they cause (QEMU 7.2):
//
//	rtc       move the CMOS hours register by 12 h     → RTC_CHANGE {offset: ±43200}
//	watchdog  arm the ib700 (port 0x443) with the
//	          shortest timeout, then wait ~0.5 s       → WATCHDOG {action: pause}, STOP  (test sends cont)
//	ioerror   BIOS int13 write to the second disk,
//	          whose blkdebug layer fails the first
//	          write with ENOSPC (once), werror=stop    → BLOCK_IO_ERROR {nospace: true}, STOP;
//	                                                     after cont the retried write succeeds
//	panic     write 1 to pvpanic port 0x505            → GUEST_PANICKED (QEMU's default panic
//	                                                     action "shutdown" then ends QEMU; pass
//	                                                     "-action panic=none" to carry on)
//	reset     write 0x06 to port 0xCF9                 → RESET {guest: true, reason: guest-reset}
//	shutdown  PIIX4 PM1a_CNT S5 (SLP_TYP 0 | SLP_EN)    → SHUTDOWN {guest: true, reason: guest-shutdown}
//	wait      wait ~1 s (paces a sequence)
//	halt      nothing; useful as a no-op step
var guestSteps = map[string]string{
	"rtc": `
	mov $0x04, %al          # hours register, BCD, 24-hour mode (the BIOS default)
	out %al, $0x70
	in $0x71, %al
	mov %al, %ah
	and $0x0f, %al
	shr $4, %ah
	aad                     # AL = binary hours
	add $12, %al            # move the guest clock by 12 h, so the offset is never 0
	cmp $24, %al
	jb 1f
	sub $24, %al
1:	aam                     # AH = tens, AL = units
	shl $4, %ah
	or %ah, %al
	mov %al, %cl
	mov $0x04, %al
	out %al, $0x70
	mov %cl, %al
	out %al, $0x71
`,
	"watchdog": `
	mov $0x443, %dx
	mov $0x0f, %al          # ib700 timeout table index 15: the shortest timeout
	out %al, (%dx)
	mov $9, %cx             # ~0.5 s of BIOS timer ticks, so WATCHDOG fires before the next step
	call delay
`,
	"ioerror": `
	mov $0x0301, %ax        # int13 AH=3: write 1 sector
	mov $0x0001, %cx        # cylinder 0, sector 1
	mov $0x0081, %dx        # head 0, drive 0x81 (the second disk)
	mov $0x7c00, %bx        # ES:BX = this sector
	int $0x13
`,
	"panic": `
	mov $0x505, %dx
	mov $1, %al             # PVPANIC_PANICKED
	out %al, (%dx)
`,
	"reset": `
	mov $0xcf9, %dx
	mov $0x06, %al          # RCR: SYS_RST | RST_CPU
	out %al, (%dx)
1:	hlt
	jmp 1b
`,
	"shutdown": `
	movl $0x80000b40, %eax  # PCI config 00:01.3 (PIIX4 PM), register 0x40: PMBASE
	mov $0xcf8, %dx
	outl %eax, (%dx)
	mov $0xcfc, %dx
	inl (%dx), %eax
	and $0xffc0, %ax
	add $4, %ax             # PM1a_CNT
	mov %ax, %dx
	mov $0x2000, %ax        # SLP_EN with SLP_TYP 0, which QEMU's PIIX4 treats as S5
	out %ax, (%dx)
1:	hlt
	jmp 1b
`,
	"wait": `
	mov $18, %cx            # ~1 s of BIOS timer ticks
	call delay
`,
	"halt": ``,
}

// cmosStepReg is the CMOS NVRAM byte holding the next step's index; the BIOS
// does not use it on QEMU.
const cmosStepReg = 0x6e

const guestHead = `
	.code16
	.globl _start
_start:
	cli
	ljmp $0, $1f            # normalise CS:IP to 0000:7c00-based offsets
1:	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	sti
dispatch:
	mov $CMOSREG, %al
	out %al, $0x70
	in $0x71, %al
	xor %bx, %bx
	mov %al, %bl
	cmp $NSTEPS, %bx
	jae done
	inc %al
	mov %al, %cl
	mov $CMOSREG, %al
	out %al, $0x70
	mov %cl, %al
	out %al, $0x71
	shl $1, %bx
	jmp *steps(%bx)

done:
	cli
	hlt
	jmp done

# delay waits %cx BIOS timer ticks (18.2 Hz) with interrupts on.
delay:
	sti
	mov 0x46c, %si
2:	hlt
	mov 0x46c, %ax
	sub %si, %ax
	cmp %cx, %ax
	jb 2b
	ret
`

// guestSource returns the assembly for a comma-separated list of steps.
func guestSource(program string) (string, error) {
	names := strings.Split(program, ",")
	var b strings.Builder
	head := strings.ReplaceAll(guestHead, "CMOSREG", fmt.Sprintf("0x%x", cmosStepReg))
	head = strings.ReplaceAll(head, "NSTEPS", fmt.Sprint(len(names)))
	b.WriteString(head)
	b.WriteString("steps:\n")
	for i := range names {
		fmt.Fprintf(&b, "\t.word step%d\n", i)
	}
	for i, n := range names {
		code, ok := guestSteps[strings.TrimSpace(n)]
		if !ok {
			return "", fmt.Errorf("unknown guest step %q in %q", n, program)
		}
		fmt.Fprintf(&b, "step%d: # %s%s\tjmp dispatch\n", i, n, code)
	}
	b.WriteString("\t.org 510\n\t.word 0xaa55\n")
	return b.String(), nil
}

// BuildGuest assembles the boot sector for program into dir and returns the
// path of a 1 MiB raw disk image whose first sector it is.
func BuildGuest(t testing.TB, dir, program string) string {
	t.Helper()
	as := needBinary(t, "as")
	ld := needBinary(t, "ld")
	src, err := guestSource(program)
	if err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	s := filepath.Join(dir, "boot.s")
	o := filepath.Join(dir, "boot.o")
	img := filepath.Join(dir, "boot.img")
	if err := os.WriteFile(s, []byte(src), 0o644); err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	for _, c := range [][]string{
		{as, "--32", "-o", o, s},
		{ld, "-m", "elf_i386", "-Ttext=0x7c00", "--oformat=binary", "-o", img, o},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("qemutest: %q: %v\n%s\nsource:\n%s", c, err, out, src)
		}
	}
	// A whole-megabyte disk keeps SeaBIOS's geometry guessing unremarkable.
	if err := os.Truncate(img, 1<<20); err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	return img
}

// guestArgs builds the guest and returns the QEMU arguments it needs: the
// boot disk plus the devices its steps talk to.
func guestArgs(t testing.TB, dir, program string) []string {
	t.Helper()
	img := BuildGuest(t, dir, program)
	args := []string{
		"-drive", "if=none,id=boot,format=raw,file=" + img,
		"-device", "ide-hd,bus=ide.0,unit=0,drive=boot",
	}
	steps := map[string]bool{}
	for _, n := range strings.Split(program, ",") {
		steps[strings.TrimSpace(n)] = true
	}
	if steps["watchdog"] {
		args = append(args, "-device", "ib700", "-action", "watchdog=pause")
	}
	if steps["panic"] {
		args = append(args, "-device", "pvpanic")
	}
	if steps["ioerror"] {
		disk := filepath.Join(dir, "iodisk.img")
		if err := os.WriteFile(disk, nil, 0o644); err != nil {
			t.Fatalf("qemutest: %v", err)
		}
		if err := os.Truncate(disk, 1<<20); err != nil {
			t.Fatalf("qemutest: %v", err)
		}
		// blkdebug's "none" event arms the rule when the node opens; once=on
		// lets the write that QEMU retries after "cont" succeed, so the guest
		// can go on to its next step.
		args = append(args,
			"-drive", "if=none,id=iodisk,format=raw,werror=stop,rerror=report"+
				",file.driver=blkdebug,file.image.driver=file,file.image.filename="+disk+
				",file.inject-error.0.event=none,file.inject-error.0.iotype=write"+
				",file.inject-error.0.errno=28,file.inject-error.0.once=on",
			"-device", "ide-hd,bus=ide.0,unit=1,drive=iodisk")
	}
	return args
}
