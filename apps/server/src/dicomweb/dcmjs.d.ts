/** The part of dcmjs used here: its data dictionary (PS3.6), to know the VR of an implicit VR element. */
declare module 'dcmjs' {
  const dcmjs: { data: { DicomMetaDictionary: { dictionary: Record<string, { vr: string } | undefined> } } };
  export default dcmjs;
}
